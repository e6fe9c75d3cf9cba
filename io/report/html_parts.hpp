#pragma once
// What the HTML report's sections share (html_page.cpp, html_figures.cpp,
// html_tables.cpp): cells, headers, labels. Formatting only.

#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "io/records/reduction.hpp"
#include "io/report/svg.hpp"

namespace joulegrid::html {

inline std::string td(const std::string& text) { return "<td class=\"t\">" + svg::escape(text) + "</td>"; }
inline std::string tn(double v, int digits = 4) { return "<td>" + svg::number(v, digits) + "</td>"; }
inline std::string ti(long long v) { return "<td>" + std::to_string(v) + "</td>"; }
inline std::string percent_cell(double fraction) {
  return std::isnan(fraction) ? td("") : "<td>" + svg::number(100 * fraction, 3) + " %</td>";
}

inline std::string header_row(const std::vector<std::string>& names) {
  std::string s = "<tr>";
  for (const auto& n : names) s += "<th>" + svg::escape(n) + "</th>";
  return s + "</tr>";
}

inline std::string interval(double lo, double hi, int digits = 3) {
  return std::isfinite(lo) && std::isfinite(hi) ? svg::number(lo, digits) + "–" + svg::number(hi, digits) : "n/a";
}

inline std::string of(int part, int whole) { return std::to_string(part) + " of " + std::to_string(whole); }
// "2", or "2 of 3" where the grid has more than finished.
inline std::string of_grid(int have, int grid) { return grid > have ? of(have, grid) : std::to_string(have); }

inline std::string model_name(const std::string& architecture, int size) {
  return architecture + "-" + std::to_string(size);
}

// "J, gross (including idle power), estimated (not measured)": what every energy figure says of itself.
inline std::string energy_label(const Reduction& red) {
  return std::string("J, ") + red.energy.str() +
         (red.energy == EnergyBasisValue::net ? " (less idle power)" : " (including idle power)") + ", " +
         method_in_words(red.energy_method);
}

// The efficiency the page compares by: normalised where the reduction
// compares normalised figures, raw otherwise; it says which.
struct Basis {
  bool normalised = false;
  std::string word() const { return normalised ? "normalised" : "raw"; }
  double of(double raw, double norm) const { return normalised ? norm : raw; }
};

inline std::string join_words(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

void write_summary(const Reduction& red, const Basis& basis, std::ostream& out);
void write_figures(const Reduction& red, const Basis& basis, std::ostream& out);
void write_tables(const Reduction& red, std::ostream& out);

}  // namespace joulegrid::html
