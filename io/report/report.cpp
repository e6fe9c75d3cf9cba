#include "io/report/report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/errors.hpp"
#include "io/spec/suggest.hpp"

namespace joulegrid {

const std::vector<std::string>& report_formats() {
  static const std::vector<std::string> formats = [] {
    std::vector<std::string> v;
    for (const auto& w : Vocabulary<ReportFormatValue>::words) v.emplace_back(w.name);
    return v;
  }();
  return formats;
}

void write_report(const std::string& format, const Reduction& reduction, std::ostream& out) {
  const auto f = ReportFormat::find(format);
  if (!f)
    throw InputError("--format: unknown format '" + format + "'" + did_you_mean(format, report_formats()) +
                     "; known: " + join(report_formats(), ", "));
  switch (*f) {
    case ReportFormatValue::table: return write_table(reduction, out);
    case ReportFormatValue::csv: return write_csv(reduction, out);
    case ReportFormatValue::csv_epochs: return write_csv_epochs(reduction, out);
    case ReportFormatValue::json: return write_json(reduction, out);
    case ReportFormatValue::html: return write_html(reduction, out);
  }
}

size_t write_report_file(const std::string& format, const Reduction& reduction, const std::string& path) {
  std::ostringstream page;
  write_report(format, reduction, page);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot write " + tmp + ": " + std::strerror(errno));
    out << page.str();
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw InputError(path + ": cannot write " + tmp + ": " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot replace it: " + why);
  }
  return page.str().size();
}

std::string report_path(const std::string& results_path, const std::string& format) {
  std::string stem = results_path;
  const size_t slash = stem.rfind('/'), dot = stem.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) stem.resize(dot);
  if (format == "csv-epochs") return stem + ".epochs.csv";
  if (format == "table") return stem + ".txt";
  return stem + "." + format;
}

std::string matched_cells_in_words(const ComparisonRow& c) {
  std::string words = std::to_string(c.pairs);
  if (c.test_pairs == c.pairs) return words;
  words += " (" + std::to_string(c.test_pairs) + " tested";
  if (c.tied_pairs > 0) words += "; " + std::to_string(c.tied_pairs) + " equally efficient, no sign";
  if (c.dropped_pairs > 0) words += "; " + std::to_string(c.dropped_pairs) + " without a finite efficiency";
  return words + ")";
}

}  // namespace joulegrid
