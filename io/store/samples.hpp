#pragma once
// Raw meter readings of an attempt, kept when the spec asks for them
// ([meters] store_samples = true). A block is every channel of one rank's
// sampler over one attempt, read at the same instants. It travels from the
// worker to rank 0 encoded (encode_block), is appended to FILE.samples beside
// the results file before the attempt's journal line commits it, and is
// folded into /samples of the HDF5 snapshot (chunked and deflated) by the
// snapshot that empties the journal. docs/results-file.md has the layout.

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <hdf5.h>

namespace joulegrid {

struct SampleChannel {
  std::string name;       // "rapl package-0", "nvml GPU-…"
  std::string component;  // cpu | ram | gpu | platform
  std::string method;     // counter | power | estimated | utilisation (not energy)
  std::string unit;       // J (a counter's cumulative reading) | W | % (utilisation)
};

struct SampleBlock {
  std::string cell_id;
  int attempt = 0;
  int replica = 0;
  std::string node;
  int rank = 0;
  double start_unix_s = 0;       // the wall time of t = 0
  bool truncated = false;        // the sampler's buffer had dropped the attempt's earliest readings
  std::vector<SampleChannel> channels;
  std::vector<double> t;         // seconds since the attempt started
  std::vector<double> values;    // channel-major: values[c * t.size() + i]

  size_t readings() const { return values.size(); }
};

// The block as bytes: a frame (magic, lengths), a JSON header, the arrays
// as little-endian doubles, and a CRC-32 of it all.
std::string encode_block(const SampleBlock& block);
// Throws InputError naming `where` when the bytes are not one whole block.
SampleBlock decode_block(const std::string& bytes, const std::string& where);

std::string samples_path(const std::string& results_path);  // FILE.samples

// FILE.samples, append-only: each append is written whole and fdatasync'd.
class SampleLog {
 public:
  explicit SampleLog(std::string path);
  SampleLog(SampleLog&& other) noexcept;
  SampleLog& operator=(SampleLog&&) = delete;
  SampleLog(const SampleLog&) = delete;
  ~SampleLog();

  void append(const std::string& encoded_block);
  void clear();  // after a snapshot has folded every block in
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// The whole blocks of a sample log, in order; a torn or corrupt tail (a kill
// during an append) ends the list. A missing file has none.
std::vector<SampleBlock> read_sample_log(const std::string& path);

// Where /samples of a new snapshot comes from: the /samples of an existing
// results file (may be absent) and the blocks of its sample log, with
// `replica_offset` added to their replicas (joulegrid merge).
struct SampleSource {
  std::string file;
  std::string log;
  int replica_offset = 0;
};

// Run keys: (replica, cell id, attempt).
using RunKey = std::tuple<int, std::string, int>;

// Writes /samples into `out` (an open file being written as a snapshot) from
// the sources: the files' /samples whole, then each logged block whose run
// is in `committed` and not already there (the last block of a run wins).
// Returns the readings written; writes nothing when there are none.
size_t fold_samples(hid_t out, const std::string& out_path, const std::vector<SampleSource>& sources,
                    const std::set<RunKey>& committed);

// Every block stored in a results file's /samples (for tests and readers).
std::vector<SampleBlock> read_stored_samples(const std::string& path);

}  // namespace joulegrid
