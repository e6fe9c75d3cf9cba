#pragma once
// Checkpoints, kept by rank 0 beside the results file (RESULTS.checkpoints/):
// the weights a pretraining cell leaves for its fine-tuning cells (ID.pt, a
// libtorch pickle of {name: tensor}), and the training state of a cell
// that a drain, a time limit or a killed job interrupted (running/ID.ckpt).
// Workers send the bytes in the job's messages and rank 0 writes them, so
// the nodes need no shared folder (docs/results-file.md, "Checkpoints").
// Torch-free: the trainer's state is bytes here.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/records/cell.hpp"

namespace joulegrid {

// A header and bytes in one piece, as a message or a file:
// "JOULEGRID-BLOB 1\n", the header's JSON on one line (with the bytes'
// length and CRC-32 added), "\n", the bytes.
struct Blob {
  nlohmann::json header;
  std::string bytes;
};
std::string encode_blob(nlohmann::json header, const std::string& bytes);
// Throws InputError naming `where` when the piece is cut short, altered or not one.
Blob decode_blob(const std::string& encoded, const std::string& where);

// Writes `bytes` whole or not at all: a temporary file beside `path`,
// flushed, renamed over it. Throws std::runtime_error naming the path and why.
void write_file_atomically(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);  // throws std::runtime_error naming the path

// The state of one attempt of a running cell after `epoch` epochs.
struct RunningCheckpoint {
  std::string cell_id;
  int attempt = 1;
  int epoch = 0;
  std::vector<EpochRecord> epoch_records;  // its epochs 1 … epoch, with their energies
  std::vector<RunSegment> segments;        // where they ran
  std::string saved_utc;
  std::string state;  // the trainer's archive: weights, optimiser, random generators, epoch
};

std::string encode_checkpoint(const RunningCheckpoint& c);
RunningCheckpoint decode_checkpoint(const std::string& encoded, const std::string& where);

class CheckpointStore {
 public:
  explicit CheckpointStore(std::string folder) : folder_(std::move(folder)) {}
  const std::string& folder() const { return folder_; }

  // Each throws std::runtime_error naming the file when it cannot be written
  // (a full disk); what was kept before stays as it was.
  void keep_running(const RunningCheckpoint& c);
  void keep_weights(const std::string& cell_id, const std::string& bytes);

  // The kept state of a cell's attempt, if any. One that does not read (cut
  // short, altered) is moved aside to running/ID.ckpt.damaged and `problem`
  // says so; one of another attempt is dropped, saying so too.
  std::optional<RunningCheckpoint> running(const std::string& cell_id, int attempt, std::string* problem);
  void drop_running(const std::string& cell_id);
  std::optional<std::string> weights(const std::string& cell_id) const;

  std::string running_path(const std::string& cell_id) const;
  std::string weights_path(const std::string& cell_id) const;

 private:
  std::string folder_;
};

}  // namespace joulegrid
