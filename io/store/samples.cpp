#include "io/store/samples.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/errors.hpp"
#include "io/h5/h5.hpp"
#include "io/store/columns.hpp"
#include "io/store/crc.hpp"
#include "io/store/durable.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "sample blocks are written as little-endian doubles");

namespace joulegrid {

namespace {

using h5::check;
using h5::Handle;
using nlohmann::json;

constexpr char kMagic[4] = {'J', 'G', 'S', '1'};
constexpr size_t kFrameBytes = 4 + 4 + 8;  // magic, header length, sample count
constexpr size_t kCrcBytes = 4;

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One block from `p` (n bytes available). Returns the bytes it used, or 0
// with `problem` set when the bytes there are not a whole, intact block.
size_t decode_at(const char* p, size_t n, SampleBlock& block, std::string& problem) {
  if (n < kFrameBytes + kCrcBytes) return problem = "too short for a sample block", 0;
  if (std::memcmp(p, kMagic, 4) != 0) return problem = "not a sample block (bad magic)", 0;
  const auto header_bytes = get<uint32_t>(p + 4);
  const auto count = get<uint64_t>(p + 8);
  if (header_bytes > n - kFrameBytes) return problem = "the header is cut off", 0;
  const json header = json::parse(p + kFrameBytes, p + kFrameBytes + header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object() || !header.contains("channels"))
    return problem = "the header is not readable", 0;
  const uint64_t channels = header["channels"].size();
  const uint64_t array_bytes = 8 * count * (1 + channels);
  if (count > n || array_bytes > n - kFrameBytes - header_bytes - kCrcBytes)
    return problem = "the readings are cut off", 0;
  const size_t body = kFrameBytes + header_bytes + array_bytes;
  if (get<uint32_t>(p + body) != crc32_of(p + 4, body - 4)) return problem = "the checksum does not match", 0;
  try {
    block.cell_id = header.at("cell_id").get<std::string>();
    block.attempt = header.at("attempt").get<int>();
    block.replica = header.value("replica", 0);
    block.node = header.value("node", "");
    block.rank = header.value("rank", 0);
    block.start_unix_s = header.value("start_unix_s", 0.0);
    block.truncated = header.value("truncated", false);
    block.channels.clear();
    for (const auto& c : header["channels"])
      block.channels.push_back({c.at("name"), c.value("component", ""), c.value("method", ""), c.value("unit", "")});
  } catch (const json::exception& e) {
    return problem = std::string("the header lacks a field: ") + e.what(), 0;
  }
  const char* arrays = p + kFrameBytes + header_bytes;
  block.t.resize(count);
  block.values.resize(count * channels);
  if (count) std::memcpy(block.t.data(), arrays, 8 * count);
  if (!block.values.empty()) std::memcpy(block.values.data(), arrays + 8 * count, 8 * count * channels);
  return body + kCrcBytes;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string encode_block(const SampleBlock& b) {
  json channels = json::array();
  for (const auto& c : b.channels)
    channels.push_back({{"name", c.name}, {"component", c.component}, {"method", c.method}, {"unit", c.unit}});
  const std::string header = json{{"cell_id", b.cell_id}, {"attempt", b.attempt}, {"replica", b.replica},
                                  {"node", b.node}, {"rank", b.rank}, {"start_unix_s", b.start_unix_s},
                                  {"truncated", b.truncated}, {"channels", channels}}
                                 .dump();
  if (b.values.size() != b.t.size() * b.channels.size())
    throw InternalError("sample block of " + b.cell_id + ": " + std::to_string(b.values.size()) + " values for " +
                        std::to_string(b.t.size()) + " instants × " + std::to_string(b.channels.size()) + " channels");
  std::string out;
  out.reserve(kFrameBytes + header.size() + 8 * (b.t.size() + b.values.size()) + kCrcBytes);
  out.append(kMagic, 4);
  put<uint32_t>(out, static_cast<uint32_t>(header.size()));
  put<uint64_t>(out, b.t.size());
  out += header;
  out.append(reinterpret_cast<const char*>(b.t.data()), 8 * b.t.size());
  out.append(reinterpret_cast<const char*>(b.values.data()), 8 * b.values.size());
  put<uint32_t>(out, crc32_of(out.data() + 4, out.size() - 4));
  return out;
}

SampleBlock decode_block(const std::string& bytes, const std::string& where) {
  SampleBlock block;
  std::string problem;
  const size_t used = decode_at(bytes.data(), bytes.size(), block, problem);
  if (used == 0) throw InputError(where + ": " + problem);
  if (used != bytes.size()) throw InputError(where + ": " + std::to_string(bytes.size() - used) +
                                             " bytes follow the sample block");
  return block;
}

std::string samples_path(const std::string& results_path) { return results_path + ".samples"; }

// ---- FILE.samples ----------------------------------------------------------

SampleLog::SampleLog(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(path_ + ": cannot open the sample log for writing: " + std::strerror(errno));
}

SampleLog::SampleLog(SampleLog&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) { other.fd_ = -1; }

SampleLog::~SampleLog() {
  if (fd_ >= 0) ::close(fd_);
}

// A block cut short by a full disk is cut off again, so that the blocks
// appended once there is room again are not lost behind a torn one.
void SampleLog::append(const std::string& bytes) { store::append_durably(fd_, bytes, path_); }

void SampleLog::clear() {
  if (::ftruncate(fd_, 0) != 0) throw InternalError(path_ + ": cannot truncate: " + std::strerror(errno));
  ::fdatasync(fd_);
}

std::vector<SampleBlock> read_sample_log(const std::string& path) {
  std::vector<SampleBlock> blocks;
  std::ifstream in(path, std::ios::binary);
  if (!in) return blocks;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = 0;
  std::string problem;
  while (at < bytes.size()) {
    SampleBlock b;
    const size_t used = decode_at(bytes.data() + at, bytes.size() - at, b, problem);
    if (used == 0) break;  // a torn append: never committed
    blocks.push_back(std::move(b));
    at += used;
  }
  return blocks;
}

// ---- /samples ----------------------------------------------------------------

namespace {

// One channel of one block, as a row of /samples/series.
struct SeriesRow {
  int replica = 0;
  std::string cell_id;
  int attempt = 0;
  std::string node;
  int rank = 0;
  std::string channel, component, method, unit;
  double start_unix_s = 0;
  int truncated = 0;
  int64_t t_offset = 0, value_offset = 0, count = 0;
};

const std::vector<store::Field<SeriesRow>>& series_fields() {
  using R = SeriesRow;
  static const std::vector<store::Field<R>> fields{
      JG_FIELD(R, "replica", replica, ""),         JG_FIELD(R, "cell_id", cell_id, ""),
      JG_FIELD(R, "attempt", attempt, ""),         JG_FIELD(R, "node", node, ""),
      JG_FIELD(R, "rank", rank, ""),               JG_FIELD(R, "channel", channel, ""),
      JG_FIELD(R, "component", component, ""),     JG_FIELD(R, "method", method, ""),
      JG_FIELD(R, "unit", unit, ""),               JG_FIELD(R, "start_unix_s", start_unix_s, "s"),
      JG_FIELD(R, "truncated", truncated, ""),     JG_FIELD(R, "t_offset", t_offset, ""),
      JG_FIELD(R, "value_offset", value_offset, ""), JG_FIELD(R, "count", count, ""),
  };
  return fields;
}

constexpr hsize_t kChunk = 1 << 16;  // 512 KiB of doubles

// An extendible, chunked, shuffled and deflated 1-D column of doubles, each
// chunk with a Fletcher-32 checksum HDF5 verifies on every read.
Handle create_growing(hid_t group, const char* name, const char* unit, const std::string& where) {
  const hsize_t dims[1] = {0}, max[1] = {H5S_UNLIMITED}, chunk[1] = {kChunk};
  Handle space(H5Screate_simple(1, dims, max));
  Handle plist(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(plist.id(), 1, chunk);
  H5Pset_shuffle(plist.id());
  H5Pset_deflate(plist.id(), 4);
  H5Pset_fletcher32(plist.id());
  Handle ds(check(H5Dcreate2(group, name, H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, plist.id(), H5P_DEFAULT),
                  std::string("cannot create /samples/") + name, where));
  if (*unit) {
    Handle type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.id(), std::strlen(unit));
    Handle scalar(H5Screate(H5S_SCALAR));
    Handle attr(H5Acreate2(ds.id(), "unit", type.id(), scalar.id(), H5P_DEFAULT, H5P_DEFAULT));
    H5Awrite(attr.id(), type.id(), unit);
  }
  return ds;
}

hsize_t length(hid_t ds, const std::string& where) {
  const auto shape = h5::dataset_shape(ds, where);
  return shape.empty() ? 0 : shape[0];
}

// Appends n doubles; returns the offset they start at.
int64_t append_doubles(hid_t ds, const double* data, size_t n, const std::string& where) {
  const hsize_t at = length(ds, where);
  if (n == 0) return static_cast<int64_t>(at);
  const hsize_t grown[1] = {at + n}, start[1] = {at}, count[1] = {n};
  check(H5Dset_extent(ds, grown), "cannot extend /samples", where);
  Handle file_space(H5Dget_space(ds));
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem_space(H5Screate_simple(1, count, nullptr));
  check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem_space.id(), file_space.id(), H5P_DEFAULT, data),
        "cannot write /samples", where);
  return static_cast<int64_t>(at);
}

std::vector<double> read_doubles(hid_t ds, int64_t offset, int64_t n, const std::string& where) {
  std::vector<double> out(static_cast<size_t>(std::max<int64_t>(0, n)));
  if (out.empty()) return out;
  if (offset < 0 || static_cast<hsize_t>(offset + n) > length(ds, where))
    throw InputError(where + ": /samples/series points past the end of the readings (offset " +
                     std::to_string(offset) + ", count " + std::to_string(n) + ")");
  const hsize_t start[1] = {static_cast<hsize_t>(offset)}, count[1] = {static_cast<hsize_t>(n)};
  Handle file_space(H5Dget_space(ds));
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem_space(H5Screate_simple(1, count, nullptr));
  check(H5Dread(ds, H5T_NATIVE_DOUBLE, mem_space.id(), file_space.id(), H5P_DEFAULT, out.data()),
        "cannot read /samples", where);
  return out;
}

// /samples being written: the two columns of readings and the series rows.
class SampleWriter {
 public:
  SampleWriter(hid_t file, std::string where) : file_(file), where_(std::move(where)) {}

  bool empty() const { return rows_.empty(); }
  bool has(const RunKey& key) const { return present_.count(key) > 0; }

  // The first source's /samples, copied as it is stored (no re-compression).
  void copy_whole(hid_t from, std::vector<SeriesRow> rows, int replica_offset, const std::string& from_where) {
    open_group();
    check(H5Ocopy(from, "samples/t", group_.id(), "t", H5P_DEFAULT, H5P_DEFAULT), "cannot copy /samples/t", from_where);
    check(H5Ocopy(from, "samples/value", group_.id(), "value", H5P_DEFAULT, H5P_DEFAULT),
          "cannot copy /samples/value", from_where);
    t_ = h5::open_dataset(group_.id(), "t", where_);
    value_ = h5::open_dataset(group_.id(), "value", where_);
    for (auto& r : rows) {
      r.replica += replica_offset;
      present_.insert({r.replica, r.cell_id, r.attempt});
      rows_.push_back(std::move(r));
    }
  }

  // Another file's series, read and appended (a merge of several files).
  void copy_rows(hid_t from, const std::vector<SeriesRow>& rows, int replica_offset, const std::string& from_where) {
    Handle t = h5::open_dataset(from, "samples/t", from_where), v = h5::open_dataset(from, "samples/value", from_where);
    std::map<int64_t, int64_t> t_moved;  // channels of one block share their instants
    const std::set<RunKey> before = present_;
    for (SeriesRow r : rows) {
      r.replica += replica_offset;
      if (before.count({r.replica, r.cell_id, r.attempt})) continue;
      if (!t_moved.count(r.t_offset)) {
        const auto times = read_doubles(t.id(), r.t_offset, r.count, from_where);
        t_moved[r.t_offset] = append(t_, times.data(), times.size());
      }
      const auto values = read_doubles(v.id(), r.value_offset, r.count, from_where);
      r.t_offset = t_moved[r.t_offset];
      r.value_offset = append(value_, values.data(), values.size());
      readings_ += static_cast<size_t>(r.count);
      add_row(std::move(r));
    }
  }

  void add_block(const SampleBlock& b, int replica_offset) {
    const int64_t t_offset = append(t_, b.t.data(), b.t.size());
    for (size_t c = 0; c < b.channels.size(); ++c) {
      SeriesRow r;
      r.replica = b.replica + replica_offset;
      r.cell_id = b.cell_id;
      r.attempt = b.attempt;
      r.node = b.node;
      r.rank = b.rank;
      r.channel = b.channels[c].name;
      r.component = b.channels[c].component;
      r.method = b.channels[c].method;
      r.unit = b.channels[c].unit;
      r.start_unix_s = b.start_unix_s;
      r.truncated = b.truncated ? 1 : 0;
      r.t_offset = t_offset;
      r.count = static_cast<int64_t>(b.t.size());
      r.value_offset = append(value_, b.values.data() + c * b.t.size(), b.t.size());
      add_row(std::move(r));
    }
    readings_ += b.readings();
  }

  size_t finish() {
    if (rows_.empty()) return 0;
    Handle series(check(H5Gcreate2(group_.id(), "series", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "cannot create /samples/series", where_));
    store::write_table(series.id(), series_fields(), rows_, where_);
    return readings_;
  }

  void count_copied(size_t n) { readings_ += n; }

 private:
  void open_group() {
    if (group_) return;
    group_ = Handle(check(H5Gcreate2(file_, "samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          "cannot create /samples", where_));
  }
  int64_t append(Handle& ds, const double* data, size_t n) {
    open_group();
    if (!t_) t_ = create_growing(group_.id(), "t", "s", where_);
    if (!value_) value_ = create_growing(group_.id(), "value", "", where_);
    return append_doubles(ds.id(), data, n, where_);
  }
  void add_row(SeriesRow r) {
    present_.insert({r.replica, r.cell_id, r.attempt});
    rows_.push_back(std::move(r));
  }

  hid_t file_;
  std::string where_;
  Handle group_, t_, value_;
  std::vector<SeriesRow> rows_;
  std::set<RunKey> present_;
  size_t readings_ = 0;
};

std::vector<SeriesRow> stored_series(hid_t file, const std::string& where) {
  if (!h5::has_object(file, "samples/series")) return {};
  Handle g(check(H5Gopen2(file, "samples/series", H5P_DEFAULT), "cannot open /samples/series", where));
  try {
    return store::read_table(g.id(), series_fields(), where);
  } catch (const h5::Error& e) {
    throw InputError(where + ": /samples is damaged: " + e.what());
  }
}

}  // namespace

size_t fold_samples(hid_t out, const std::string& out_path, const std::vector<SampleSource>& sources,
                    const std::set<RunKey>& committed) {
  SampleWriter writer(out, out_path);
  for (const auto& source : sources) {
    if (!source.file.empty() && exists(source.file)) {
      Handle in = h5::open_file_readonly(source.file);
      auto rows = stored_series(in.id(), source.file);
      size_t readings = 0;
      for (const auto& r : rows) readings += static_cast<size_t>(r.count);
      if (!rows.empty() && writer.empty()) {
        writer.copy_whole(in.id(), std::move(rows), source.replica_offset, source.file);
        writer.count_copied(readings);
      } else if (!rows.empty()) {
        writer.copy_rows(in.id(), rows, source.replica_offset, source.file);
      }
    }
    // The last block of a run wins: an earlier one was logged by an attempt
    // that a crash kept from committing, and the run was tried again.
    const auto blocks = read_sample_log(source.log);
    std::map<RunKey, size_t> last;
    for (size_t i = 0; i < blocks.size(); ++i)
      last[{blocks[i].replica + source.replica_offset, blocks[i].cell_id, blocks[i].attempt}] = i;
    for (size_t i = 0; i < blocks.size(); ++i) {
      const RunKey key{blocks[i].replica + source.replica_offset, blocks[i].cell_id, blocks[i].attempt};
      if (last[key] != i || writer.has(key) || !committed.count(key)) continue;
      writer.add_block(blocks[i], source.replica_offset);
    }
  }
  return writer.finish();
}

std::vector<SampleBlock> read_stored_samples(const std::string& path) {
  Handle file = h5::open_file_readonly(path);
  const auto rows = stored_series(file.id(), path);
  std::vector<SampleBlock> blocks;
  if (rows.empty()) return blocks;
  Handle t = h5::open_dataset(file.id(), "samples/t", path), v = h5::open_dataset(file.id(), "samples/value", path);
  std::map<RunKey, size_t> index;
  for (const auto& r : rows) {
    const RunKey key{r.replica, r.cell_id, r.attempt};
    auto [it, fresh] = index.try_emplace(key, blocks.size());
    if (fresh) {
      SampleBlock b;
      b.cell_id = r.cell_id;
      b.attempt = r.attempt;
      b.replica = r.replica;
      b.node = r.node;
      b.rank = r.rank;
      b.start_unix_s = r.start_unix_s;
      b.truncated = r.truncated != 0;
      b.t = read_doubles(t.id(), r.t_offset, r.count, path);
      blocks.push_back(std::move(b));
    }
    SampleBlock& b = blocks[it->second];
    if (static_cast<int64_t>(b.t.size()) != r.count)
      throw InputError(path + ": /samples/series: the channels of " + r.cell_id + " differ in length");
    b.channels.push_back({r.channel, r.component, r.method, r.unit});
    const auto values = read_doubles(v.id(), r.value_offset, r.count, path);
    b.values.insert(b.values.end(), values.begin(), values.end());
  }
  return blocks;
}

}  // namespace joulegrid
