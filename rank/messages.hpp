#pragma once
// The messages between rank 0 and a worker rank (comm.hpp names their tags),
// each a struct with one field list, as the records have (messages.cpp):
// one side writes it with encode(), the other reads it with decode(), so
// the two cannot disagree on a name. A result is a RunResult (its record),
// an attempt's samples a binary block (io/store/samples.hpp), a state
// handed back to a worker a RunningCheckpoint (io/store/checkpoints.hpp).
// Torch-free: rank 0 includes it.

#include <string>

#include "io/records/cell.hpp"
#include "io/records/results.hpp"

namespace joulegrid {

// tag::config, 0 → worker: the study, or ok = false (rank 0 could not start it).
struct ConfigMessage {
  bool ok = false;
  std::string spec_text, spec_file, base_dir;
  double heartbeat_s = 0;
};

// tag::hello, worker → 0: its node's measurement, or why it cannot take part.
struct HelloMessage {
  int rank = 0;
  std::string node;
  bool leader = false;
  NodeRecord node_record;
  std::string error;  // not empty: this rank sits the study out
};

// tag::task, 0 → worker.
struct TaskMessage {
  CellSpec cell;
  int attempt = 1;
};

// tag::epoch, worker → 0: an epoch of the running cell (also a heartbeat).
struct EpochMessage {
  std::string cell_id;
  int attempt = 1;
  EpochRecord record;
};

// The header of a tag::checkpoint blob a worker sends (encode_blob): the
// running cell's training state after `epoch` (kind "state", with where its
// stretch began and how long it ran), or a pretraining cell's weights
// (kind "weights"); rank 0 hands weights on to a fine-tuning cell's worker
// under the same header.
struct FileMessage {
  std::string kind;  // "state" | "weights"
  std::string cell_id;
  int attempt = 0;
  int epoch = 0;
  double seconds = 0, started_unix_s = 0;
};

std::string encode(const ConfigMessage& m);
std::string encode(const HelloMessage& m);
std::string encode(const TaskMessage& m);
std::string encode(const EpochMessage& m);
nlohmann::json header_of(const FileMessage& m);

// Each throws InputError naming `what` and the field when the body does not read.
void decode(const std::string& body, ConfigMessage& m, const std::string& what);
void decode(const std::string& body, HelloMessage& m, const std::string& what);
void decode(const std::string& body, TaskMessage& m, const std::string& what);
void decode(const std::string& body, EpochMessage& m, const std::string& what);
FileMessage file_message_of(const nlohmann::json& header, const std::string& what);

}  // namespace joulegrid
