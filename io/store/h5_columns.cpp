#include <cstdio>
#include <cstring>

#include "io/h5/h5.hpp"
#include "io/store/columns.hpp"
#include "io/store/crc.hpp"

namespace joulegrid::store {

namespace {

using h5::check;
using h5::Handle;

Handle vector_space(size_t n) {
  const hsize_t dims[1] = {static_cast<hsize_t>(n)};
  return Handle(H5Screate_simple(1, dims, nullptr));
}

// Every numeric column is chunked and carries a Fletcher-32 checksum per
// chunk, which HDF5 verifies on every read: a changed byte of a stored
// figure is a read error naming the column, never a confident wrong
// number. HDF5 checksums no variable-length strings: a text column carries
// a CRC-32C of its values as an attribute (crc32c), checked on every read.
// Columns of more than a few thousand rows are also deflated: epoch
// and sample tables compress several-fold and stay cheap to read.
Handle create_properties(size_t n, size_t element_bytes, bool numeric) {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE));
  if (n == 0 || (!numeric && n < 4096)) return plist;
  const hsize_t chunk = std::min<hsize_t>(std::max<size_t>(4096, (1 << 20) / element_bytes), n);
  H5Pset_chunk(plist.id(), 1, &chunk);
  if (n >= 4096) {
    H5Pset_shuffle(plist.id());
    H5Pset_deflate(plist.id(), 4);
  }
  if (numeric) H5Pset_fletcher32(plist.id());  // last: it checksums the bytes as stored
  return plist;
}

void write_short_text(hid_t loc, const char* name, const std::string& value, const std::string& where) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), value.size());
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(check(H5Acreate2(loc, name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                    std::string("cannot write the ") + name + " attribute", where));
  check(H5Awrite(attr.id(), type.id(), value.data()), std::string("cannot write the ") + name + " attribute", where);
}

// A fixed-size text attribute; "" when there is none.
std::string read_short_text(hid_t loc, const char* name, const std::string& where) {
  if (H5Aexists(loc, name) <= 0) return "";
  Handle attr(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("cannot open the ") + name + " attribute", where));
  Handle type(H5Aget_type(attr.id()));
  if (H5Tis_variable_str(type.id()) > 0) return "?";  // not one joulegrid wrote
  std::string out(H5Tget_size(type.id()), '\0');
  check(H5Aread(attr.id(), type.id(), out.data()), std::string("cannot read the ") + name + " attribute", where);
  return out;
}

void write_unit(hid_t dataset, const std::string& unit, const std::string& where) {
  if (!unit.empty()) write_short_text(dataset, "unit", unit, where);
}

// Every value with its length first, so that no two lists share a checksum by their joins.
std::string text_checksum(const std::vector<std::string>& values) {
  uint32_t crc = 0;
  for (const auto& v : values) {
    const std::string length = std::to_string(v.size()) + ":";
    crc = crc32c_extend(crc, length.data(), length.size());
    crc = crc32c_extend(crc, v.data(), v.size());
  }
  return crc32c_hex(crc);
}

template <class T>
void write_numbers(hid_t group, const std::string& name, const std::vector<T>& values, hid_t file_type,
                   hid_t mem_type, const std::string& unit, const std::string& where) {
  Handle space = vector_space(values.size());
  Handle plist = create_properties(values.size(), sizeof(T), /*numeric=*/true);
  Handle ds(check(H5Dcreate2(group, name.c_str(), file_type, space.id(), H5P_DEFAULT, plist.id(), H5P_DEFAULT),
                  "cannot create column " + name, where));
  if (!values.empty())
    check(H5Dwrite(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "cannot write column " + name, where);
  write_unit(ds.id(), unit, where);
}

template <class T>
std::vector<T> read_numbers(hid_t group, const std::string& name, hid_t mem_type, const std::string& where) {
  if (!h5::has_object(group, name)) throw h5::Error(where + ": column '" + name + "' is missing");
  Handle ds = h5::open_dataset(group, name, where);
  const auto shape = h5::dataset_shape(ds.id(), where);
  std::vector<T> out(shape.empty() ? 0 : shape[0]);
  if (!out.empty()) h5::read_all(ds.id(), mem_type, out.data(), where + ": column " + name);
  return out;
}

Handle text_type() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  return type;
}

}  // namespace

void write_real_column(hid_t group, const std::string& name, const std::vector<double>& values,
                       const std::string& unit, const std::string& where) {
  write_numbers(group, name, values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, unit, where);
}

void write_integer_column(hid_t group, const std::string& name, const std::vector<int64_t>& values,
                          const std::string& unit, const std::string& where) {
  write_numbers(group, name, values, H5T_STD_I64LE, H5T_NATIVE_INT64, unit, where);
}

void write_text_column(hid_t group, const std::string& name, const std::vector<std::string>& values,
                       const std::string& where) {
  Handle type = text_type();
  Handle space = vector_space(values.size());
  Handle plist = create_properties(values.size(), 16, /*numeric=*/false);
  Handle ds(check(H5Dcreate2(group, name.c_str(), type.id(), space.id(), H5P_DEFAULT, plist.id(), H5P_DEFAULT),
                  "cannot create column " + name, where));
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (!values.empty())
    check(H5Dwrite(ds.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
          "cannot write column " + name, where);
  write_short_text(ds.id(), "crc32c", text_checksum(values), where);
}

std::vector<double> read_real_column(hid_t group, const std::string& name, const std::string& where) {
  return read_numbers<double>(group, name, H5T_NATIVE_DOUBLE, where);
}

std::vector<int64_t> read_integer_column(hid_t group, const std::string& name, const std::string& where) {
  return read_numbers<int64_t>(group, name, H5T_NATIVE_INT64, where);
}

std::vector<std::string> read_text_column(hid_t group, const std::string& name, const std::string& where) {
  if (!h5::has_object(group, name)) throw h5::Error(where + ": column '" + name + "' is missing");
  Handle ds = h5::open_dataset(group, name, where);
  const auto shape = h5::dataset_shape(ds.id(), where);
  const size_t n = shape.empty() ? 0 : shape[0];
  std::vector<std::string> out(n);
  if (n == 0) return out;
  Handle type = text_type();
  std::vector<char*> pointers(n, nullptr);
  h5::read_all(ds.id(), type.id(), pointers.data(), where + ": column " + name);
  for (size_t i = 0; i < n; ++i) out[i] = pointers[i] ? pointers[i] : "";
  Handle space(H5Dget_space(ds.id()));
  H5Dvlen_reclaim(type.id(), space.id(), H5P_DEFAULT, pointers.data());
  const std::string stated = read_short_text(ds.id(), "crc32c", where);  // none in files before 2026-12
  if (!stated.empty() && stated != text_checksum(out))
    throw h5::Error(where + ": column " + name + ": its checksum does not hold (crc32c " + stated +
                    "): its text was changed after joulegrid wrote it");
  return out;
}

bool has_column(hid_t group, const std::string& name) { return h5::has_object(group, name); }

void write_content_checksum(hid_t loc, const std::string& content, const std::string& where) {
  write_short_text(loc, "crc32c", text_checksum({content}), where);
}

bool content_checksum_holds(hid_t loc, const std::string& content, const std::string& where) {
  const std::string stated = read_short_text(loc, "crc32c", where);
  return stated.empty() || stated == text_checksum({content});
}

size_t column_rows(hid_t group, const std::string& first_column, const std::string& where) {
  if (!h5::has_object(group, first_column)) throw h5::Error(where + ": column '" + first_column + "' is missing");
  Handle ds = h5::open_dataset(group, first_column, where);
  const auto shape = h5::dataset_shape(ds.id(), where);
  return shape.empty() ? 0 : shape[0];
}

}  // namespace joulegrid::store
