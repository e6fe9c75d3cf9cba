#pragma once
// Aligned plain-text tables for the console.

#include <ostream>
#include <string>
#include <vector>

namespace joulegrid {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void add(std::vector<std::string> row) {
    measure(row);
    rows_.push_back(std::move(row));
  }
  void print(std::ostream& out) const;

  // Without holding the rows (a table of a million): measure every row
  // first, then print the header and each row again in the same order.
  void measure(const std::vector<std::string>& row);
  void print_header(std::ostream& out) const { print_row(out, header_); }
  void print_row(std::ostream& out, const std::vector<std::string>& row) const;

 private:
  std::vector<std::string> header_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
};

// Fixed or scientific formatting with a given number of significant digits.
std::string format_number(double v, int significant = 4);

}  // namespace joulegrid
