#pragma once
// A table as columns: each field of a row struct is listed once, with its
// name and unit, and that one list both writes the table into HDF5 (one 1-D
// dataset per column under a group, the unit as an attribute) and reads it
// back. Columns read as plain arrays in h5py: f["runs/energy_j"][:].

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <hdf5.h>

namespace joulegrid::store {

enum class ColumnKind { real, integer, text };

template <class Row>
struct Field {
  std::string name;
  std::string unit;  // SI unit ("J", "s", "W", "1/J") or "" for counts and labels
  ColumnKind kind;
  std::function<double(const Row&)> get_real;
  std::function<void(Row&, double)> set_real;
  std::function<int64_t(const Row&)> get_integer;
  std::function<void(Row&, int64_t)> set_integer;
  std::function<std::string(const Row&)> get_text;
  std::function<void(Row&, std::string)> set_text;
};

// JG_FIELD(Row, "energy_j", energy_j, "J"): the member expression is used to
// read and to assign, so the two directions can never disagree.
#define JG_FIELD(Row, name, member, unit)                                                  \
  ::joulegrid::store::make_field<Row>(                                                     \
      name, unit, [](const Row& r) { return r.member; },                                   \
      [](Row& r, auto v) { r.member = static_cast<std::decay_t<decltype(r.member)>>(v); })

template <class Row, class Get, class Set>
Field<Row> make_field(std::string name, std::string unit, Get get, Set set) {
  using T = std::decay_t<decltype(get(std::declval<const Row&>()))>;
  Field<Row> f{std::move(name), std::move(unit), ColumnKind::real, {}, {}, {}, {}, {}, {}};
  if constexpr (std::is_same_v<T, std::string>) {
    f.kind = ColumnKind::text;
    f.get_text = get;
    f.set_text = [set](Row& r, std::string v) { set(r, std::move(v)); };
  } else if constexpr (std::is_floating_point_v<T>) {
    f.kind = ColumnKind::real;
    f.get_real = get;
    f.set_real = [set](Row& r, double v) { set(r, v); };
  } else {
    f.kind = ColumnKind::integer;
    f.get_integer = [get](const Row& r) { return static_cast<int64_t>(get(r)); };
    f.set_integer = [set](Row& r, int64_t v) { set(r, v); };
  }
  return f;
}

// Low-level column IO (h5_columns.cpp). `where` names the file for messages.
void write_real_column(hid_t group, const std::string& name, const std::vector<double>& values,
                       const std::string& unit, const std::string& where);
void write_integer_column(hid_t group, const std::string& name, const std::vector<int64_t>& values,
                          const std::string& unit, const std::string& where);
void write_text_column(hid_t group, const std::string& name, const std::vector<std::string>& values,
                       const std::string& where);
std::vector<double> read_real_column(hid_t group, const std::string& name, const std::string& where);
std::vector<int64_t> read_integer_column(hid_t group, const std::string& name, const std::string& where);
std::vector<std::string> read_text_column(hid_t group, const std::string& name, const std::string& where);
// Rows of the group's first column (0 when it has none).
size_t column_rows(hid_t group, const std::string& first_column, const std::string& where);

template <class Row>
void write_table(hid_t group, const std::vector<Field<Row>>& fields, const std::vector<Row>& rows,
                 const std::string& where) {
  for (const auto& f : fields) {
    if (f.kind == ColumnKind::real) {
      std::vector<double> v;
      v.reserve(rows.size());
      for (const auto& r : rows) v.push_back(f.get_real(r));
      write_real_column(group, f.name, v, f.unit, where);
    } else if (f.kind == ColumnKind::integer) {
      std::vector<int64_t> v;
      v.reserve(rows.size());
      for (const auto& r : rows) v.push_back(f.get_integer(r));
      write_integer_column(group, f.name, v, f.unit, where);
    } else {
      std::vector<std::string> v;
      v.reserve(rows.size());
      for (const auto& r : rows) v.push_back(f.get_text(r));
      write_text_column(group, f.name, v, where);
    }
  }
}

bool has_column(hid_t group, const std::string& name);

// The first field's column must be there; a later one a file written by an
// older joulegrid lacks (a column added since) keeps the row's default.
template <class Row>
std::vector<Row> read_table(hid_t group, const std::vector<Field<Row>>& fields, const std::string& where) {
  if (fields.empty()) return {};
  std::vector<Row> rows(column_rows(group, fields.front().name, where));
  for (const auto& f : fields) {
    if (!has_column(group, f.name)) continue;
    if (f.kind == ColumnKind::real) {
      const auto v = read_real_column(group, f.name, where);
      for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_real(rows[i], v[i]);
    } else if (f.kind == ColumnKind::integer) {
      const auto v = read_integer_column(group, f.name, where);
      for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_integer(rows[i], v[i]);
    } else {
      auto v = read_text_column(group, f.name, where);
      for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_text(rows[i], std::move(v[i]));
    }
  }
  return rows;
}

}  // namespace joulegrid::store
