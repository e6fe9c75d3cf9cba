#pragma once
// A thin RAII layer over the HDF5 C library: every call checked once, the
// error stack turned into an exception that names the file and object path,
// handles closed by destructors that never throw.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <hdf5.h>

namespace joulegrid::h5 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one hid_t and closes it with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle();

  hid_t id() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  // The id, no longer closed by this handle.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Throws Error("<what>: <where>: <the HDF5 error stack>") when `rc` < 0.
hid_t check(hid_t rc, const std::string& what, const std::string& where);

// The HDF5 library this build runs with: "1.10.8".
std::string library_version();

Handle open_file_readonly(const std::string& path);
// H5Fclose, checked: a written file's last data reach the disk there, and a
// failure (a full disk, EIO) must not pass for a written file.
void close_file(Handle& file, const std::string& where);
bool has_object(hid_t loc, const std::string& path);
Handle open_dataset(hid_t loc, const std::string& path, const std::string& where);
std::vector<uint64_t> dataset_shape(hid_t dataset, const std::string& where);

enum class Kind { uint8, float32, integer, other };
Kind dataset_kind(hid_t dataset, const std::string& where);

// Reads a whole dataset converted to the given memory type.
void read_all(hid_t dataset, hid_t mem_type, void* out, const std::string& where);

}  // namespace joulegrid::h5
