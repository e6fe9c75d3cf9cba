#pragma once
// The pipe protocol between a worker rank and its `joulegrid cell` child
// (ARCHITECTURE §3), both sides of it: the names, the child's writers and
// the parent's reader of every event, side by side (protocol.cpp). The
// child's session is rank/child_session.cpp, the parent's cell_runner.cpp.
// Parent → child: the cell as one JSON line, then
// "continue" or "stop" after every epoch (and "stop" at any time when an
// energy budget is checked per batch); "checkpoint" at any time asks for
// the training state at the end of the current epoch (a drain began).
// docs/protocol.md writes it all down, for training programs of any language.
// Child → parent: JSON lines
//   {"event":"ready", "protocol":1, "parameters":N, "flops_per_sample":F, "device":"cpu",
//    "resumed_epoch":E0, ...}                         (E0 > 0: continued from the cell's resume_from)
//   {"event":"phase", "phase":"train_begin"|"eval_begin", "epoch":E}
//   {"event":"batch", "epoch":E, "batch":B}          (only when batches are checked)
//   {"event":"epoch", ...EpochRecord}
//   {"event":"checkpoint", "epoch":E}                 (the state after epoch E is in the cell's checkpoint_to)
//   {"event":"error", "kind":K, "message":..., "epoch":E, "batch":B}

#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "io/records/cell.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid::protocol {

// The version a child names in its ready event; the parent speaks this one only.
inline constexpr int kVersion = 1;

inline constexpr const char* kContinue = "continue";
inline constexpr const char* kStop = "stop";
inline constexpr const char* kCheckpoint = "checkpoint";
// A member of the parent's cell line: true when the parent may send another
// cell after this one ends (a warm trainer). A child that honours it says
// `done` after the cell and reads its next line: another cell, or the end.
inline constexpr const char* kWarm = "warm";

// Exit codes of the child; the parent turns them into failure causes.
namespace child_exit {
constexpr int ok = 0;
constexpr int internal = 1;
constexpr int bad_input = 2;
constexpr int nonfinite_loss = 4;
constexpr int out_of_memory = 5;
constexpr int device = 6;
}  // namespace child_exit

// Failure kinds recorded with a failed attempt: the words of Failure
// (vocabulary/vocabulary.hpp), which an error event's "kind" spells.
namespace failure {
inline constexpr FailureValue input = FailureValue::input;
inline constexpr FailureValue internal = FailureValue::internal;
inline constexpr FailureValue nonfinite_loss = FailureValue::nonfinite_loss;
inline constexpr FailureValue out_of_memory = FailureValue::out_of_memory;
inline constexpr FailureValue signal = FailureValue::signal;
inline constexpr FailureValue exit = FailureValue::exit;
inline constexpr FailureValue timeout = FailureValue::timeout;
inline constexpr FailureValue protocol = FailureValue::protocol;
inline constexpr FailureValue device = FailureValue::device;

// What a libtorch error's message says went wrong: out_of_memory (CUDA's,
// HIP's or the CPU allocator's), device (the GPU itself: an illegal address,
// a device-side assert, an ECC error, a launch failure, a lost device, a
// cuBLAS / cuDNN / NCCL failure), or internal. A device fault poisons the
// CUDA context for the rest of the process; the child exits, which frees the
// GPU for the worker's next attempt.
FailureValue classify_torch_error(const std::string& message);
}  // namespace failure

// ---- the child's events ------------------------------------------------------

namespace event {
inline constexpr const char* ready = "ready";
inline constexpr const char* phase = "phase";
inline constexpr const char* batch = "batch";
inline constexpr const char* epoch = "epoch";
inline constexpr const char* checkpoint = "checkpoint";
inline constexpr const char* error = "error";
inline constexpr const char* done = "done";
}  // namespace event
inline constexpr const char* kTrainBegin = "train_begin";
inline constexpr const char* kEvalBegin = "eval_begin";

// What a child says it is about to train, before anything is measured.
struct Ready {
  int64_t parameters = 0, flops_per_sample = 0, input_elements = 0;
  std::string device, init;  // "cpu", "cuda:0"; the weights' initialisation
  int threads = 0;
  int64_t train_samples = 0, validation_samples = 0, test_samples = 0;
  bool validation_is_test = true;
  int resumed_epoch = 0;     // the epochs a restored state held (0: from scratch)
  nlohmann::json transfer;   // a fine-tuning cell's {loaded, kept, frozen, trainable}; null otherwise
};

// The child's lines, each one JSON object (write_line ends it).
std::string ready_line(const Ready& ready);
std::string phase_line(const char* phase, int epoch);  // kTrainBegin or kEvalBegin
std::string batch_line(int epoch, int64_t batch);
std::string epoch_line(const EpochRecord& record);
std::string checkpoint_line(int epoch);
std::string done_line();  // a warm child's cell ended cleanly: it waits for the next
// `epoch` and `batch` are left out when 0.
std::string error_line(Failure kind, const std::string& message, int epoch = 0, int64_t batch = 0);

}  // namespace joulegrid::protocol

namespace joulegrid {

// A line that claims to be an event and is not a good one.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One line of the child's stdout, read into what the worker acts on.
struct ChildEvent {
  enum class Kind { not_an_event, ready, phase, batch, epoch, checkpoint, error, done };
  Kind kind = Kind::not_an_event;  // not JSON, or JSON without "event": a library printed on stdout
  nlohmann::json raw;              // the line's object (ready: handed to the callbacks)
  protocol::Ready ready;
  std::string phase;               // kTrainBegin or kEvalBegin
  EpochRecord epoch;
  int checkpoint_epoch = 0;        // the epoch whose state the child kept
  std::string error_kind, message;
};

// A pure function, so that it can be fuzzed (fuzz/): whatever the line, it
// returns or throws ProtocolError naming the event and the field, never
// anything else.
ChildEvent parse_child_line(const std::string& line);

}  // namespace joulegrid
