#pragma once
// Aligned plain-text tables for the console.

#include <ostream>
#include <string>
#include <vector>

namespace joulegrid {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Fixed or scientific formatting with a given number of significant digits.
std::string format_number(double v, int significant = 4);

}  // namespace joulegrid
