#pragma once
// Typed, located access to one TOML table of a spec. Every getter names the
// file, line, column and dotted key when a value has the wrong type or range,
// and unknown keys are refused with a suggestion. Internal to io/spec.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "io/errors.hpp"
#include "vocabulary/word.hpp"

namespace joulegrid {

class TomlSection {
 public:
  // `table` may be null: the section is absent and every getter yields its default.
  TomlSection(const toml::table* table, std::string dotted_name, std::string file);

  // Refuses any key not in `allowed`, with "did you mean".
  void allow_only(const std::vector<std::string>& allowed) const;

  bool has(const std::string& key) const;
  SourcePlace place(const std::string& key) const;  // the value's place, or the table's
  SourcePlace table_place() const;
  std::string field(const std::string& key) const;  // "section.key"

  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  double number(const std::string& key, double fallback, double min, double max) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string text(const std::string& key, const std::string& fallback) const;
  // A string that must be one of `choices`.
  std::string choice(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& choices) const;
  // A word of a vocabulary (vocabulary/): one of its names.
  template <class E>
  Word<E> word(const std::string& key, Word<E> fallback) const {
    return Word<E>(choice(key, fallback.str(), Word<E>::names()));
  }
  // A scalar or an array of scalars, never empty.
  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& fallback,
                                int64_t min, int64_t max) const;
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback,
                              double min, double max) const;
  std::vector<std::string> texts(const std::string& key,
                                 const std::vector<std::string>& fallback) const;

  const toml::node* node(const std::string& key) const;
  const toml::table* table() const { return table_; }
  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  [[noreturn]] void fail_at(const toml::node& n, const std::string& key,
                            const std::string& problem) const;

 private:
  const toml::table* table_;
  std::string name_;
  std::string file_;
};

// "an integer", "a string", ... for messages.
std::string toml_type_name(const toml::node& n);
SourcePlace toml_place(const toml::source_region& r, const std::string& file);

}  // namespace joulegrid
