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

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)), widths_(header_.size(), 0) {
  measure(header_);
}

void TextTable::measure(const std::vector<std::string>& row) {
  for (size_t i = 0; i < row.size() && i < widths_.size(); ++i) widths_[i] = std::max(widths_[i], width(row[i]));
}

void TextTable::print_row(std::ostream& out, const std::vector<std::string>& row) const {
  std::string s;
  for (size_t i = 0; i < row.size() && i < widths_.size(); ++i) {
    s += row[i];
    if (i + 1 < row.size()) s += std::string(widths_[i] - width(row[i]) + 2, ' ');
  }
  out << s << "\n";
}

void TextTable::print(std::ostream& out) const {
  print_header(out);
  for (const auto& r : rows_) print_row(out, r);
}

std::string format_number(double v, int significant) {
  char buf[64];
  const double a = std::fabs(v);
  if (v != 0 && (a >= 1e6 || a < 1e-3)) std::snprintf(buf, sizeof buf, "%.*e", significant - 1, v);
  else std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

}  // namespace joulegrid
