#include "io/spec/toml_section.hpp"

#include <cmath>
#include <sstream>

#include "io/spec/suggest.hpp"

namespace joulegrid {

namespace {

std::string range_text(double min, double max) {
  std::ostringstream s;
  s << "between " << min << " and " << max;
  return s.str();
}

}  // namespace

std::string toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

SourcePlace toml_place(const toml::source_region& r, const std::string& file) {
  return SourcePlace{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

TomlSection::TomlSection(const toml::table* table, std::string dotted_name, std::string file)
    : table_(table), name_(std::move(dotted_name)), file_(std::move(file)) {}

void TomlSection::allow_only(const std::vector<std::string>& allowed) const {
  if (!table_) return;
  for (auto&& [key, value] : *table_) {
    const std::string k(key.str());
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == k;
    if (!ok) {
      throw InputError(toml_place(key.source(), file_), field(k),
                       "unknown key" + did_you_mean(k, allowed) + "; known keys: " +
                           join(allowed));
    }
    (void)value;
  }
}

bool TomlSection::has(const std::string& key) const { return node(key) != nullptr; }

const toml::node* TomlSection::node(const std::string& key) const {
  return table_ ? table_->get(key) : nullptr;
}

SourcePlace TomlSection::table_place() const {
  if (table_ && table_->source().begin.line > 0) return toml_place(table_->source(), file_);
  return SourcePlace{file_, 0, 0};
}

SourcePlace TomlSection::place(const std::string& key) const {
  const toml::node* n = node(key);
  return n ? toml_place(n->source(), file_) : table_place();
}

std::string TomlSection::field(const std::string& key) const {
  return name_.empty() ? key : name_ + "." + key;
}

void TomlSection::fail(const std::string& key, const std::string& problem) const {
  throw InputError(place(key), field(key), problem);
}

void TomlSection::fail_at(const toml::node& n, const std::string& key,
                          const std::string& problem) const {
  throw InputError(toml_place(n.source(), file_), field(key), problem);
}

int64_t TomlSection::integer(const std::string& key, int64_t fallback, int64_t min,
                             int64_t max) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  if (!n->is_integer()) fail_at(*n, key, "expected an integer, found " + toml_type_name(*n));
  const int64_t v = n->as_integer()->get();
  if (v < min || v > max)
    fail_at(*n, key, std::to_string(v) + " is out of range: must be " + range_text(min, max));
  return v;
}

double TomlSection::number(const std::string& key, double fallback, double min,
                           double max) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  double v = 0;
  if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
  else if (n->is_floating_point()) v = n->as_floating_point()->get();
  else fail_at(*n, key, "expected a number, found " + toml_type_name(*n));
  if (!std::isfinite(v) || v < min || v > max) {
    std::ostringstream s;
    s << v << " is out of range: must be " << range_text(min, max);
    fail_at(*n, key, s.str());
  }
  return v;
}

bool TomlSection::boolean(const std::string& key, bool fallback) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  if (!n->is_boolean()) fail_at(*n, key, "expected true or false, found " + toml_type_name(*n));
  return n->as_boolean()->get();
}

std::string TomlSection::text(const std::string& key, const std::string& fallback) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  if (!n->is_string()) fail_at(*n, key, "expected a string, found " + toml_type_name(*n));
  return n->as_string()->get();
}

std::string TomlSection::choice(const std::string& key, const std::string& fallback,
                                const std::vector<std::string>& choices) const {
  const std::string v = text(key, fallback);
  for (const auto& c : choices)
    if (c == v) return v;
  fail(key, "'" + v + "' is not one of " + join(choices) + did_you_mean(v, choices));
}

namespace {

// Calls `one(element_node)` for a scalar or for each element of an array.
template <typename F>
void for_each_scalar(const TomlSection& s, const std::string& key, const toml::node& n, F one) {
  if (const toml::array* a = n.as_array()) {
    if (a->empty()) s.fail_at(n, key, "the list is empty: give at least one value");
    for (const toml::node& e : *a) one(e);
  } else {
    one(n);
  }
}

}  // namespace

std::vector<int64_t> TomlSection::integers(const std::string& key,
                                           const std::vector<int64_t>& fallback, int64_t min,
                                           int64_t max) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  std::vector<int64_t> out;
  for_each_scalar(*this, key, *n, [&](const toml::node& e) {
    if (!e.is_integer()) fail_at(e, key, "expected an integer, found " + toml_type_name(e));
    const int64_t v = e.as_integer()->get();
    if (v < min || v > max)
      fail_at(e, key, std::to_string(v) + " is out of range: must be " + range_text(min, max));
    out.push_back(v);
  });
  return out;
}

std::vector<double> TomlSection::numbers(const std::string& key,
                                         const std::vector<double>& fallback, double min,
                                         double max) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  std::vector<double> out;
  for_each_scalar(*this, key, *n, [&](const toml::node& e) {
    double v = 0;
    if (e.is_integer()) v = static_cast<double>(e.as_integer()->get());
    else if (e.is_floating_point()) v = e.as_floating_point()->get();
    else fail_at(e, key, "expected a number, found " + toml_type_name(e));
    if (!std::isfinite(v) || v < min || v > max) {
      std::ostringstream s;
      s << v << " is out of range: must be " << range_text(min, max);
      fail_at(e, key, s.str());
    }
    out.push_back(v);
  });
  return out;
}

std::vector<std::string> TomlSection::texts(const std::string& key,
                                            const std::vector<std::string>& fallback) const {
  const toml::node* n = node(key);
  if (!n) return fallback;
  std::vector<std::string> out;
  for_each_scalar(*this, key, *n, [&](const toml::node& e) {
    if (!e.is_string()) fail_at(e, key, "expected a string, found " + toml_type_name(e));
    out.push_back(e.as_string()->get());
  });
  return out;
}

}  // namespace joulegrid
