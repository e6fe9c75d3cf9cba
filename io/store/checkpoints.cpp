#include "io/store/checkpoints.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/job.hpp"
#include "io/store/crc.hpp"

namespace joulegrid {

namespace {

constexpr const char* kBlobMagic = "JOULEGRID-BLOB 1\n";

std::string errno_text() { return std::strerror(errno); }

void fsync_folder(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string encode_blob(nlohmann::json header, const std::string& bytes) {
  header["bytes"] = bytes.size();
  header["crc32"] = crc32_of(bytes.data(), bytes.size());
  return kBlobMagic + header.dump() + "\n" + bytes;
}

Blob decode_blob(const std::string& encoded, const std::string& where) {
  const std::string magic = kBlobMagic;
  if (encoded.compare(0, magic.size(), magic) != 0)
    throw InputError(where + ": not a joulegrid checkpoint (it does not start with " + magic.substr(0, magic.size() - 1) + ")");
  const size_t eol = encoded.find('\n', magic.size());
  if (eol == std::string::npos) throw InputError(where + ": cut short: its header has no end");
  Blob b;
  b.header = nlohmann::json::parse(encoded.substr(magic.size(), eol - magic.size()), nullptr, false);
  if (b.header.is_discarded() || !b.header.is_object() || !b.header.contains("bytes") ||
      !b.header["bytes"].is_number_unsigned() || !b.header.contains("crc32") || !b.header["crc32"].is_number_unsigned())
    throw InputError(where + ": damaged: its header does not read");
  const uint64_t size = b.header["bytes"].get<uint64_t>();
  if (encoded.size() - eol - 1 != size)
    throw InputError(where + ": cut short or altered: its header says " + std::to_string(size) + " bytes, it holds " +
                     std::to_string(encoded.size() - eol - 1));
  b.bytes = encoded.substr(eol + 1);
  if (crc32_of(b.bytes.data(), b.bytes.size()) != b.header["crc32"].get<uint64_t>())
    throw InputError(where + ": damaged: its bytes do not match their CRC-32");
  return b;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + errno_text());
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      const std::string why = n < 0 ? errno_text() : "no room";
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string why = synced ? "" : errno_text();
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string because = synced ? errno_text() : why;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot put " + path + " in place: " + because);
  }
  fsync_folder(path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + errno_text());
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error("cannot read " + path + ": " + errno_text());
  return bytes;
}

std::string encode_checkpoint(const RunningCheckpoint& c) {
  return encode_blob({{"kind", "state"}, {"cell_id", c.cell_id}, {"attempt", c.attempt}, {"epoch", c.epoch},
                      {"saved_utc", c.saved_utc}, {"epoch_records", c.epoch_records}, {"segments", c.segments}},
                     c.state);
}

RunningCheckpoint decode_checkpoint(const std::string& encoded, const std::string& where) {
  Blob b = decode_blob(encoded, where);
  RunningCheckpoint c;
  try {
    if (b.header.value("kind", "") != "state") throw std::invalid_argument("it is not a cell's training state");
    c.cell_id = b.header.at("cell_id").get<std::string>();
    c.attempt = b.header.at("attempt").get<int>();
    c.epoch = b.header.at("epoch").get<int>();
    c.saved_utc = b.header.value("saved_utc", "");
    c.epoch_records = b.header.at("epoch_records").get<std::vector<EpochRecord>>();
    c.segments = b.header.at("segments").get<std::vector<RunSegment>>();
  } catch (const std::exception& e) {
    throw InputError(where + ": damaged header: " + e.what());
  }
  if (c.epoch < 1 || static_cast<int>(c.epoch_records.size()) != c.epoch)
    throw InputError(where + ": damaged: it is of epoch " + std::to_string(c.epoch) + " and holds " +
                     std::to_string(c.epoch_records.size()) + " epoch records");
  c.state = std::move(b.bytes);
  return c;
}

std::string CheckpointStore::running_path(const std::string& cell_id) const {
  return folder_ + "/running/" + cell_id + ".ckpt";
}

std::string CheckpointStore::weights_path(const std::string& cell_id) const { return folder_ + "/" + cell_id + ".pt"; }

void CheckpointStore::keep_running(const RunningCheckpoint& c) {
  std::error_code ec;
  std::filesystem::create_directories(folder_ + "/running", ec);
  if (ec) throw std::runtime_error("cannot create " + folder_ + "/running: " + ec.message());
  write_file_atomically(running_path(c.cell_id), encode_checkpoint(c));
}

void CheckpointStore::keep_weights(const std::string& cell_id, const std::string& bytes) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) throw std::runtime_error("cannot create " + folder_ + ": " + ec.message());
  write_file_atomically(weights_path(cell_id), bytes);
}

std::optional<RunningCheckpoint> CheckpointStore::running(const std::string& cell_id, int attempt, std::string* problem) {
  const std::string path = running_path(cell_id);
  if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
  try {
    RunningCheckpoint c = decode_checkpoint(read_file(path), path);
    if (c.cell_id != cell_id) throw InputError(path + ": damaged: it is the state of cell " + c.cell_id);
    if (c.attempt != attempt) {
      if (problem)
        *problem = path + " is of attempt " + std::to_string(c.attempt) + ", which has ended; attempt " +
                   std::to_string(attempt) + " starts from scratch";
      drop_running(cell_id);
      return std::nullopt;
    }
    return c;
  } catch (const std::exception& e) {
    const std::string aside = path + ".damaged";
    const bool moved = ::rename(path.c_str(), aside.c_str()) == 0;
    if (problem)
      *problem = std::string(e.what()) + (moved ? "; moved aside to " + aside : "") + "; the cell starts from scratch";
    return std::nullopt;
  }
}

void CheckpointStore::drop_running(const std::string& cell_id) { ::unlink(running_path(cell_id).c_str()); }

std::optional<std::string> CheckpointStore::weights(const std::string& cell_id) const {
  const std::string path = weights_path(cell_id);
  if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
  return read_file(path);
}

}  // namespace joulegrid
