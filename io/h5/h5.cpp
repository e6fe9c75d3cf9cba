#include "io/h5/h5.hpp"

namespace joulegrid::h5 {

namespace {

// HDF5 prints its error stack to stderr by default; we turn it into messages.
// Nor does it close what is open at exit: a file whose flush failed (a full
// disk) cannot be closed, and HDF5 1.10's own exit handler then crashed in
// H5F__close_cb (exit 139). Every file joulegrid writes is closed before it
// counts; what is left open at exit is what failed, and the kernel closes it.
struct QuietErrors {
  QuietErrors() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const QuietErrors quiet_errors;

herr_t collect(unsigned n, const H5E_error2_t* e, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (e->desc && *e->desc) {
    if (!text->empty()) *text += "; ";
    *text += e->desc;
  }
  (void)n;
  return 0;
}

// One line: the stack's first words and, where the system said why (a
// full disk), what it said; else the stack, its newlines flattened.
std::string error_stack() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &text);
  H5Eclear2(H5E_DEFAULT);
  if (text.empty()) return "unknown HDF5 error";
  const std::string marker = "error message = '";
  if (const size_t at = text.find(marker); at != std::string::npos) {
    const size_t end = text.find('\'', at + marker.size());
    const std::string first = text.substr(0, text.find(';'));
    return first + ": " + text.substr(at + marker.size(), end == std::string::npos ? std::string::npos : end - at - marker.size());
  }
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text.size() > 400 ? text.substr(0, 400) + "…" : text;
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    Handle dead(id_);
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
}

void close_file(Handle& file, const std::string& where) {
  if (!file) return;
  const hid_t id = file.release();
  if (H5Fclose(id) < 0) throw Error(where + ": cannot close the file: " + error_stack());
}

std::string library_version() {
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

hid_t check(hid_t rc, const std::string& what, const std::string& where) {
  if (rc < 0) throw Error(where + ": " + what + ": " + error_stack());
  return rc;
}

Handle open_file_readonly(const std::string& path) {
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Error(path + ": not an HDF5 file (or unreadable)");
  }
  return Handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open", path));
}

bool has_object(hid_t loc, const std::string& path) {
  // Walk the path one link at a time: H5Lexists fails on a missing parent.
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

Handle open_dataset(hid_t loc, const std::string& path, const std::string& where) {
  return Handle(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "cannot open dataset " + path, where));
}

std::vector<uint64_t> dataset_shape(hid_t dataset, const std::string& where) {
  Handle space(check(H5Dget_space(dataset), "cannot read the shape", where));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  check(rank, "cannot read the rank", where);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) check(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), "dims", where);
  return std::vector<uint64_t>(dims.begin(), dims.end());
}

Kind dataset_kind(hid_t dataset, const std::string& where) {
  Handle type(check(H5Dget_type(dataset), "cannot read the type", where));
  const H5T_class_t cls = H5Tget_class(type.id());
  const size_t size = H5Tget_size(type.id());
  if (cls == H5T_INTEGER) {
    if (size == 1 && H5Tget_sign(type.id()) == H5T_SGN_NONE) return Kind::uint8;
    return Kind::integer;
  }
  if (cls == H5T_FLOAT && size == 4) return Kind::float32;
  return Kind::other;
}

void read_all(hid_t dataset, hid_t mem_type, void* out, const std::string& where) {
  check(H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "cannot read", where);
}

}  // namespace joulegrid::h5
