#pragma once
// The two kinds of failure joulegrid distinguishes (ARCHITECTURE §7):
// bad input from the user (exit 2, message "FILE:LINE:COLUMN: field: problem")
// and faults of our own (exit 1). Failures of a training cell are data, not
// exceptions, and never use these types.

#include <stdexcept>
#include <string>

namespace joulegrid {

// Where in a user's file a problem sits. line/column are 1-based; 0 = unknown.
struct SourcePlace {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const {
    std::string s = file;
    if (line > 0) {
      s += ":" + std::to_string(line);
      if (column > 0) s += ":" + std::to_string(column);
    }
    return s;
  }
};

class InputError : public std::runtime_error {
 public:
  InputError(const SourcePlace& place, const std::string& field, const std::string& problem)
      : std::runtime_error(format(place, field, problem)), place_(place), field_(field) {}
  explicit InputError(const std::string& message) : std::runtime_error(message) {}

  const SourcePlace& place() const { return place_; }
  const std::string& field() const { return field_; }

 private:
  static std::string format(const SourcePlace& p, const std::string& field,
                            const std::string& problem) {
    std::string s = p.str();
    if (!s.empty()) s += ": ";
    if (!field.empty()) s += field + ": ";
    return s + problem;
  }
  SourcePlace place_;
  std::string field_;
};

class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace exit_code {
constexpr int complete = 0;
constexpr int internal = 1;
constexpr int bad_input = 2;
constexpr int stopped_resumable = 3;
}  // namespace exit_code

}  // namespace joulegrid
