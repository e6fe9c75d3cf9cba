#pragma once
// A record as a list of fields: each member of a record struct is named
// once, with its unit, and that one list writes and reads every
// representation of the record — the JSON of the journal and the wire, the
// HDF5 columns of the results file (io/store/columns.hpp), the CSV and the
// JSON of the reports. The lists themselves are in schema.hpp, and
// docs/results-file.md documents the names.
//
//   JG_FIELD(RunResult, "energy_j", energy_j, "J")
//
// The member expression is used to read and to assign, so the directions
// can never disagree; the member's type decides the field's kind (a number,
// an integer, a yes/no, text — a vocabulary word is text — or, in JSON only,
// a nested object or list).

#include <cmath>
#include <limits>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vocabulary/word.hpp"

namespace joulegrid::records {

enum class FieldKind { real, integer, boolean, text, object };

// Which fields a JSON form holds:
//   stored    the journal and the wire: every stored field, as recorded
//   identity  what a cell's id hashes (CellSpec): the fields marked so
//   report    the reports: stored and derived fields; a figure that is not
//             known (NaN, or `known` says so) is null
enum class JsonView { stored, identity, report };

template <class Row>
struct Field {
  std::string name;
  std::string unit;  // SI unit ("J", "s", "W", "1/J", "%", "FLOP") or "" for counts and labels
  FieldKind kind = FieldKind::real;

  std::function<nlohmann::json(const Row&, JsonView)> to_json;
  std::function<void(Row&, const nlohmann::json&)> from_json;
  // Scalars, for HDF5 columns and CSV cells (booleans as integers 0 and 1).
  std::function<double(const Row&)> get_real;
  std::function<void(Row&, double)> set_real;
  std::function<int64_t(const Row&)> get_integer;
  std::function<void(Row&, int64_t)> set_integer;
  std::function<std::string(const Row&)> get_text;
  std::function<void(Row&, std::string)> set_text;

  std::vector<std::string> aliases;  // the names older files and journals used: still read
  bool required = false;             // reading JSON: an error when missing
  bool stored = true;                // false: derived, shown by reports, never journaled or stored
  bool csv = true;                   // false: not a CSV column
  bool identity = true;              // part of a cell's id (only CellSpec's lists use it)
  std::function<bool(const Row&)> identity_if;  // and then only where this holds (a new option at its old value is not)
  bool written = true;               // false: an older form, read but never written
  // Reports: false where the record has no such figure (JSON null). An
  // object that is not known is left out of every form, and so is an
  // optional field in the reports.
  std::function<bool(const Row&)> known;
  bool optional = false;

  Field aka(std::vector<std::string> old_names) const {
    Field f = *this;
    f.aliases = std::move(old_names);
    return f;
  }
  Field must() const {
    Field f = *this;
    f.required = true;
    return f;
  }
  Field derived() const {
    Field f = *this;
    f.stored = false;
    return f;
  }
  Field not_in_csv() const {
    Field f = *this;
    f.csv = false;
    return f;
  }
  Field read_only() const {
    Field f = *this;
    f.written = false;
    return f;
  }
  // In a cell's id only where `when` holds: an option added since, at the
  // value that behaves as before, leaves the ids that stored studies have.
  Field identity_when(std::function<bool(const Row&)> when) const {
    Field f = *this;
    f.identity_if = std::move(when);
    return f;
  }
  Field not_identity() const {
    Field f = *this;
    f.identity = false;
    return f;
  }
  Field known_when(std::function<bool(const Row&)> k) const {
    Field f = *this;
    f.known = std::move(k);
    return f;
  }
  // Left out of the reports' JSON where not known, rather than null.
  Field optional_when(std::function<bool(const Row&)> k) const {
    Field f = known_when(std::move(k));
    f.optional = true;
    return f;
  }
  bool is_known(const Row& r) const { return !known || known(r); }
};

template <class Row>
using Fields = std::vector<Field<Row>>;

template <class T>
struct is_word : std::false_type {};
template <class E>
struct is_word<Word<E>> : std::true_type {};

// An integer member read from JSON: an integer in T's range, or a number
// with an integral value in it. nlohmann's get<T> casts whatever it finds —
// 1e12 into an int, 4e121 into an int (undefined behaviour) — so a damaged
// figure would be read as another one.
template <class T>
T exact_integer(const nlohmann::json& j) {
  constexpr auto lo = std::numeric_limits<T>::min();
  constexpr auto hi = std::numeric_limits<T>::max();
  const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) throw std::invalid_argument("expected " + range + ", found " + j.dump());
    return static_cast<T>(u);
  }
  if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    const bool fits = std::is_unsigned_v<T> ? v >= 0 && static_cast<uint64_t>(v) <= static_cast<uint64_t>(hi)
                                            : v >= static_cast<int64_t>(lo) && v <= static_cast<int64_t>(hi);
    if (!fits) throw std::invalid_argument("expected " + range + ", found " + j.dump());
    return static_cast<T>(v);
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    // The first integral double past T's range: hi + 1 is exact up to 32 bits, 2^63 and 2^64 are exact.
    const double past = sizeof(T) < 8 ? static_cast<double>(hi) + 1
                                      : (std::is_unsigned_v<T> ? 18446744073709551616.0 : 9223372036854775808.0);
    if (std::isfinite(d) && d == std::trunc(d) && d >= static_cast<double>(lo) && d < past)
      return static_cast<T>(d);
    throw std::invalid_argument("expected " + range + ", found " + j.dump());
  }
  throw std::invalid_argument("expected an integer, found " + std::string(j.type_name()));
}

template <class Row, class Get, class Set>
Field<Row> make_field(std::string name, std::string unit, Get get, Set set) {
  using T = std::decay_t<decltype(get(std::declval<const Row&>()))>;
  Field<Row> f;
  f.name = std::move(name);
  f.unit = std::move(unit);
  if constexpr (std::is_same_v<T, std::string>) {
    f.kind = FieldKind::text;
    f.get_text = get;
    f.set_text = [set](Row& r, std::string v) { set(r, std::move(v)); };
  } else if constexpr (is_word<T>::value) {
    f.kind = FieldKind::text;
    f.get_text = [get](const Row& r) { return get(r).str(); };
    f.set_text = [set](Row& r, std::string v) { set(r, T(v)); };
  } else if constexpr (std::is_same_v<T, bool>) {
    f.kind = FieldKind::boolean;
    f.get_integer = [get](const Row& r) { return get(r) ? int64_t{1} : int64_t{0}; };
    f.set_integer = [set](Row& r, int64_t v) { set(r, v != 0); };
  } else if constexpr (std::is_floating_point_v<T>) {
    f.kind = FieldKind::real;
    f.get_real = [get](const Row& r) { return static_cast<double>(get(r)); };
    f.set_real = [set](Row& r, double v) { set(r, static_cast<T>(v)); };
  } else if constexpr (std::is_integral_v<T>) {
    f.kind = FieldKind::integer;
    f.get_integer = [get](const Row& r) { return static_cast<int64_t>(get(r)); };
    f.set_integer = [set](Row& r, int64_t v) { set(r, static_cast<T>(v)); };
  } else {
    f.kind = FieldKind::object;
  }
  // JSON in the member's own type: integers stay integers, unsigned
  // unsigned, NaN becomes null (JSON has no NaN).
  f.to_json = [get](const Row& r, JsonView) {
    if constexpr (std::is_floating_point_v<T>) {
      const T v = get(r);
      return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    } else {
      return nlohmann::json(get(r));
    }
  };
  f.from_json = [set](Row& r, const nlohmann::json& j) {
    if constexpr (std::is_same_v<T, bool>) {
      set(r, j.is_boolean() ? j.get<bool>() : exact_integer<int64_t>(j) != 0);  // older files: 0 and 1
    } else if constexpr (is_word<T>::value) {
      set(r, T(j.get<std::string>()));
    } else if constexpr (std::is_integral_v<T>) {
      set(r, exact_integer<T>(j));
    } else {
      set(r, j.get<T>());
    }
  };
  return f;
}

// A figure computed from the row, for the reports only (never stored, never read).
template <class Row, class Get>
Field<Row> computed(std::string name, std::string unit, Get get) {
  Field<Row> f = make_field<Row>(std::move(name), std::move(unit), get, [](Row&, auto) {});
  f.stored = false;
  f.from_json = nullptr;
  return f;
}

// A member of the row. The accessors hold the member pointer as a value, so
// the code behind them is made once per row and member type, not once per
// field: the record lists (hundreds of fields) compile in seconds.
template <class Row, class T>
Field<Row> member_field(std::string name, std::string unit, T Row::*member) {
  return make_field<Row>(
      std::move(name), std::move(unit), [member](const Row& r) -> const T& { return r.*member; },
      [member](Row& r, auto v) { r.*member = static_cast<T>(std::move(v)); });
}

#define JG_FIELD(Row, name, member, unit) ::joulegrid::records::member_field<Row>(name, unit, &Row::member)

// ---- JSON --------------------------------------------------------------------

template <class Row>
nlohmann::json to_json(const Row& row, const Fields<Row>& fields, JsonView view = JsonView::stored) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& f : fields) {
    if (!f.written || (view != JsonView::report && !f.stored)) continue;
    if (view == JsonView::identity && (!f.identity || (f.identity_if && !f.identity_if(row)))) continue;
    const bool known = f.is_known(row);
    if (f.kind == FieldKind::object || (f.optional && view == JsonView::report)) {
      if (known) j[f.name] = f.to_json(row, view);
    } else {
      j[f.name] = view == JsonView::report && !known ? nlohmann::json(nullptr) : f.to_json(row, view);
    }
  }
  return j;
}

// Reads the stored fields it finds (under their name or an older one); a
// missing field keeps the row's default unless it is required, and null
// (a figure not recorded) keeps the default too. Throws
// std::invalid_argument naming `what` and the field.
template <class Row>
void from_json(const nlohmann::json& j, Row& row, const Fields<Row>& fields, const std::string& what) {
  if (!j.is_object()) throw std::invalid_argument(what + ": expected an object, found " + std::string(j.type_name()));
  for (const auto& f : fields) {
    if (!f.stored || !f.from_json) continue;
    auto it = j.find(f.name);
    for (size_t a = 0; it == j.end() && a < f.aliases.size(); ++a) it = j.find(f.aliases[a]);
    if (it == j.end()) {
      if (f.required) throw std::invalid_argument(what + ": '" + f.name + "' is missing");
      continue;
    }
    if (it->is_null()) continue;
    try {
      f.from_json(row, *it);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(what + ": '" + f.name + "': " + e.what());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(what + ": '" + f.name + "': " + e.what());
    }
  }
}

// ---- composition ---------------------------------------------------------------

// A member that is itself a record, written as a nested JSON object.
template <class Row, class Sub>
Field<Row> object_field(std::string name, Sub Row::*member, const Fields<Sub>& (*fields)()) {
  Field<Row> f;
  f.name = name;
  f.kind = FieldKind::object;
  f.to_json = [member, fields](const Row& r, JsonView view) { return to_json(r.*member, fields(), view); };
  f.from_json = [member, fields, name](Row& r, const nlohmann::json& j) { from_json(j, r.*member, fields(), name); };
  return f;
}

// A list of records, written as a JSON array of objects.
template <class Row, class Sub>
Field<Row> list_field(std::string name, std::vector<Sub> Row::*member, const Fields<Sub>& (*fields)()) {
  Field<Row> f;
  f.name = std::move(name);
  f.kind = FieldKind::object;
  f.to_json = [member, fields](const Row& r, JsonView view) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : r.*member) a.push_back(to_json(x, fields(), view));
    return a;
  };
  f.from_json = [member, fields](Row& r, const nlohmann::json& j) {
    if (!j.is_array()) throw std::invalid_argument("expected an array, found " + std::string(j.type_name()));
    (r.*member).clear();
    for (const auto& x : j) {
      Sub s;
      from_json(x, s, fields(), "element " + std::to_string((r.*member).size() + 1));
      (r.*member).push_back(std::move(s));
    }
  };
  return f;
}

// Some of a row's own fields, written as one nested JSON object.
template <class Row>
Field<Row> group_field(std::string name, const Fields<Row>& (*fields)()) {
  Field<Row> f;
  f.name = name;
  f.kind = FieldKind::object;
  f.to_json = [fields](const Row& r, JsonView view) { return to_json(r, fields(), view); };
  f.from_json = [fields, name](Row& r, const nlohmann::json& j) { from_json(j, r, fields(), name); };
  return f;
}

// A member written in a JSON form of its own (a pair as [mean, std]).
template <class Row>
Field<Row> custom_field(std::string name, std::function<nlohmann::json(const Row&)> write,
                        std::function<void(Row&, const nlohmann::json&)> read) {
  Field<Row> f;
  f.name = std::move(name);
  f.kind = FieldKind::object;
  f.to_json = [write](const Row& r, JsonView) { return write(r); };
  f.from_json = std::move(read);
  return f;
}

// The fields of a record member, flattened into the row's with a prefix
// ("train_" + "j" = "train_j"), as tables and CSV hold them.
template <class Row, class Sub>
Fields<Row> flattened(const std::string& prefix, Sub Row::*member, const Fields<Sub>& fields) {
  Fields<Row> out;
  for (const auto& s : fields) {
    Field<Row> f;
    f.name = prefix + s.name;
    f.unit = s.unit;
    f.kind = s.kind;
    for (const auto& a : s.aliases) f.aliases.push_back(prefix + a);
    f.required = s.required;
    f.stored = s.stored;
    f.csv = s.csv;
    f.identity = s.identity;
    f.written = s.written;
    f.optional = s.optional;
    if (s.known) f.known = [member, k = s.known](const Row& r) { return k(r.*member); };
    if (s.to_json) f.to_json = [member, g = s.to_json](const Row& r, JsonView v) { return g(r.*member, v); };
    if (s.from_json) f.from_json = [member, g = s.from_json](Row& r, const nlohmann::json& j) { g(r.*member, j); };
    if (s.get_real) f.get_real = [member, g = s.get_real](const Row& r) { return g(r.*member); };
    if (s.set_real) f.set_real = [member, g = s.set_real](Row& r, double v) { g(r.*member, v); };
    if (s.get_integer) f.get_integer = [member, g = s.get_integer](const Row& r) { return g(r.*member); };
    if (s.set_integer) f.set_integer = [member, g = s.set_integer](Row& r, int64_t v) { g(r.*member, v); };
    if (s.get_text) f.get_text = [member, g = s.get_text](const Row& r) { return g(r.*member); };
    if (s.set_text) f.set_text = [member, g = s.set_text](Row& r, std::string v) { g(r.*member, std::move(v)); };
    out.push_back(std::move(f));
  }
  return out;
}

template <class Row>
Fields<Row> concat(std::initializer_list<Fields<Row>> parts) {
  Fields<Row> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The fields named, in that order: a view's columns picked from the one
// list. A name not in the list is a fault of ours (std::logic_error).
template <class Row>
Fields<Row> pick(const Fields<Row>& fields, const std::vector<std::string>& names) {
  Fields<Row> out;
  for (const auto& n : names) {
    bool found = false;
    for (const auto& f : fields)
      if (f.name == n) {
        out.push_back(f);
        found = true;
        break;
      }
    if (!found) throw std::logic_error("no field '" + n + "' to pick");
  }
  return out;
}

template <class Row>
const Field<Row>& field_named(const Fields<Row>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return f;
  throw std::logic_error("no field '" + name + "'");
}

}  // namespace joulegrid::records
