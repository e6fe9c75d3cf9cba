#pragma once
// The pipe protocol between a worker rank and its `joulegrid cell` child
// (ARCHITECTURE §3). Parent → child: the cell as one JSON line, then
// "continue" or "stop" after every epoch (and "stop" at any time when an
// energy budget is checked per batch). Child → parent: JSON lines
//   {"event":"ready", "parameters":N, "flops_per_sample":F, "device":"cpu", ...}
//   {"event":"phase", "phase":"train_begin"|"eval_begin", "epoch":E}
//   {"event":"batch", "epoch":E, "batch":B}          (only when batches are checked)
//   {"event":"epoch", ...EpochRecord}
//   {"event":"error", "kind":K, "message":..., "epoch":E, "batch":B}

namespace joulegrid::protocol {

inline constexpr const char* kContinue = "continue";
inline constexpr const char* kStop = "stop";

// Exit codes of the child; the parent turns them into failure causes.
namespace child_exit {
constexpr int ok = 0;
constexpr int internal = 1;
constexpr int bad_input = 2;
constexpr int nonfinite_loss = 4;
constexpr int out_of_memory = 5;
}  // namespace child_exit

// Failure kinds recorded with a failed attempt.
namespace failure {
inline constexpr const char* input = "input";
inline constexpr const char* internal = "internal";
inline constexpr const char* nonfinite_loss = "nonfinite_loss";
inline constexpr const char* out_of_memory = "out_of_memory";
inline constexpr const char* signal = "signal";
inline constexpr const char* exit = "exit";
inline constexpr const char* timeout = "timeout";
inline constexpr const char* protocol = "protocol";
}  // namespace failure

}  // namespace joulegrid::protocol
