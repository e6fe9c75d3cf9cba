#pragma once
// The pipe protocol between a worker rank and its `joulegrid cell` child
// (ARCHITECTURE §3). Parent → child: the cell as one JSON line, then
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

#include "vocabulary/vocabulary.hpp"

namespace joulegrid::protocol {

// The version a child names in its ready event; the parent speaks this one only.
inline constexpr int kVersion = 1;

inline constexpr const char* kContinue = "continue";
inline constexpr const char* kStop = "stop";
inline constexpr const char* kCheckpoint = "checkpoint";

// Exit codes of the child; the parent turns them into failure causes.
namespace child_exit {
constexpr int ok = 0;
constexpr int internal = 1;
constexpr int bad_input = 2;
constexpr int nonfinite_loss = 4;
constexpr int out_of_memory = 5;
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
}  // namespace failure

}  // namespace joulegrid::protocol
