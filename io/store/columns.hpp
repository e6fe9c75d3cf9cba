#pragma once
// A table as columns: a record's field list (io/records/fields.hpp) both
// writes the table into HDF5 (one 1-D dataset per stored scalar field under
// a group, the unit as an attribute) and reads it back. Columns read as
// plain arrays in h5py: f["runs/energy_j"][:].

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <hdf5.h>

#include "io/records/fields.hpp"

namespace joulegrid::store {

using records::Field;
using records::FieldKind;

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

// A field that is a column: a stored scalar.
template <class Row>
bool is_column(const Field<Row>& f) {
  return f.kind != FieldKind::object && f.written && f.stored;
}

template <class Row>
void write_table(hid_t group, const std::vector<Field<Row>>& fields, const std::vector<Row>& rows,
                 const std::string& where) {
  for (const auto& f : fields) {
    if (!is_column(f)) continue;
    if (f.kind == FieldKind::real) {
      std::vector<double> v;
      v.reserve(rows.size());
      for (const auto& r : rows) v.push_back(f.get_real(r));
      write_real_column(group, f.name, v, f.unit, where);
    } else if (f.kind == FieldKind::integer || f.kind == FieldKind::boolean) {
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

// A CRC-32C of `content` as loc's crc32c attribute (what the Fletcher-32
// filter cannot cover: attributes); and whether the one there still holds
// (true when there is none: files written before 2026-12).
void write_content_checksum(hid_t loc, const std::string& content, const std::string& where);
bool content_checksum_holds(hid_t loc, const std::string& content, const std::string& where);

// The column of a field under its name, or under a name an older
// joulegrid wrote it by; "" when the file has neither.
template <class Row>
std::string column_name(hid_t group, const Field<Row>& f) {
  if (has_column(group, f.name)) return f.name;
  for (const auto& a : f.aliases)
    if (has_column(group, a)) return a;
  return "";
}

// The first field's column must be there; a later one a file written by an
// older joulegrid lacks (a column added since) keeps the row's default. A
// text that is not a word of its vocabulary is a damaged file
// (std::invalid_argument naming the column).
template <class Row>
std::vector<Row> read_table(hid_t group, const std::vector<Field<Row>>& fields, const std::string& where) {
  if (fields.empty()) return {};
  std::vector<Row> rows(column_rows(group, fields.front().name, where));
  for (const auto& f : fields) {
    if (!is_column(f)) continue;
    const std::string name = column_name(group, f);
    if (name.empty()) continue;
    if (f.kind == FieldKind::real) {
      const auto v = read_real_column(group, name, where);
      for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_real(rows[i], v[i]);
    } else if (f.kind == FieldKind::integer || f.kind == FieldKind::boolean) {
      const auto v = read_integer_column(group, name, where);
      for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_integer(rows[i], v[i]);
    } else {
      auto v = read_text_column(group, name, where);
      try {
        for (size_t i = 0; i < rows.size() && i < v.size(); ++i) f.set_text(rows[i], std::move(v[i]));
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(where + ": column " + name + ": " + e.what());
      }
    }
  }
  return rows;
}

}  // namespace joulegrid::store
