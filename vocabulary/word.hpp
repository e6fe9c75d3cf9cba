#pragma once
// A word of one of joulegrid's vocabularies — a status, an energy method, a
// role — as an enum with exactly one table of names (vocabulary.hpp). Code
// compares the enum; the name is spelled only where a record meets a file,
// the wire or a person. A name that is not in the table is refused
// (std::invalid_argument, naming the vocabulary and the words it knows), so
// a misspelt word is an error, never a quietly unequal string.

#include <array>
#include <cstddef>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace joulegrid {

// Specialised once per enum, beside it:
//   static constexpr const char* what = "run status";
//   static constexpr std::array<Entry, N> words{...};
// where an entry has at least `value` (the enum) and `name` (WordEntry<E>,
// or a table row that carries more facts). The first word is the default.
template <class E>
struct Vocabulary;

template <class E>
struct WordEntry {
  E value;
  std::string_view name;
};

template <class E>
class Word {
 public:
  constexpr Word() : value_(Vocabulary<E>::words[0].value) {}
  constexpr Word(E value) : value_(value) {}  // NOLINT: a word is its enum
  Word(const char* name) : value_(parse(name)) {}         // NOLINT: checked against the table
  Word(const std::string& name) : value_(parse(name)) {}  // NOLINT: checked against the table

  constexpr E value() const { return value_; }
  std::string_view name() const {
    for (const auto& w : Vocabulary<E>::words)
      if (w.value == value_) return w.name;
    return "?";
  }
  std::string str() const { return std::string(name()); }

  static std::optional<E> find(std::string_view name) {
    for (const auto& w : Vocabulary<E>::words)
      if (w.name == name) return w.value;
    return std::nullopt;
  }
  static E parse(std::string_view name) {
    if (auto e = find(name)) return *e;
    throw std::invalid_argument("'" + std::string(name) + "' is not a " + Vocabulary<E>::what + " (known: " +
                                known() + ")");
  }
  // Every word that is spelled (not the empty one), in table order.
  static std::vector<std::string> names() {
    std::vector<std::string> v;
    for (const auto& w : Vocabulary<E>::words)
      if (!w.name.empty()) v.emplace_back(w.name);
    return v;
  }
  // "done, failed, abandoned": the words, for messages and --help.
  static std::string known() {
    std::string s;
    for (const auto& w : Vocabulary<E>::words) {
      if (!s.empty()) s += ", ";
      s += w.name.empty() ? "\"\"" : std::string(w.name);
    }
    return s;
  }

  friend constexpr bool operator==(Word a, Word b) { return a.value_ == b.value_; }
  friend constexpr bool operator!=(Word a, Word b) { return a.value_ != b.value_; }
  friend constexpr bool operator<(Word a, Word b) { return a.value_ < b.value_; }
  friend std::ostream& operator<<(std::ostream& out, Word w) { return out << w.name(); }

 private:
  E value_;
};

template <class E>
void to_json(nlohmann::json& j, const Word<E>& w) {
  j = w.str();
}

template <class E>
void from_json(const nlohmann::json& j, Word<E>& w) {
  w = Word<E>(j.get<std::string>());
}

template <class E>
std::string operator+(const std::string& s, Word<E> w) {
  return s + w.str();
}
template <class E>
std::string operator+(const char* s, Word<E> w) {
  return std::string(s) + w.str();
}
template <class E>
std::string operator+(Word<E> w, const std::string& s) {
  return w.str() + s;
}
template <class E>
std::string operator+(Word<E> w, const char* s) {
  return w.str() + s;
}

}  // namespace joulegrid
