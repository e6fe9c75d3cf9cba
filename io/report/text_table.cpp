#include "io/report/text_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace joulegrid {

namespace {
// Display width of UTF-8 text: count code points, not bytes.
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

void TextTable::print(std::ostream& out) const {
  std::vector<size_t> w(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(w[i] - width(r[i]) + 2, ' ');
    }
    out << s << "\n";
  };
  line(header_);
  for (const auto& r : rows_) line(r);
}

std::string format_number(double v, int significant) {
  char buf[64];
  const double a = std::fabs(v);
  if (v != 0 && (a >= 1e6 || a < 1e-3)) std::snprintf(buf, sizeof buf, "%.*e", significant - 1, v);
  else std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

}  // namespace joulegrid
