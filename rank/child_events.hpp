#pragma once
// Reading one line of the trainer's stdout (the protocol of
// rank/protocol.hpp) into what the worker acts on. A pure function, so
// that it can be fuzzed (fuzz/): whatever the line, it returns or throws
// ProtocolError naming the event and the field, never anything else.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "io/records/results.hpp"

namespace joulegrid {

// A line that claims to be an event and is not a good one.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ChildEvent {
  enum class Kind { not_an_event, ready, phase, batch, epoch, checkpoint, error };
  Kind kind = Kind::not_an_event;  // not JSON, or JSON without "event": a library printed on stdout
  nlohmann::json raw;              // the line's object (ready: handed to the callbacks)
  // ready
  int64_t parameters = 0, flops_per_sample = 0, input_elements = 0;
  int resumed_epoch = 0;  // the epochs a restored state held (0: from scratch)
  std::string device, init;
  // phase: "train_begin" or "eval_begin"
  std::string phase;
  // epoch
  EpochRecord epoch;
  // checkpoint: the epoch whose state the child kept
  int checkpoint_epoch = 0;
  // error
  std::string error_kind, message;
};

ChildEvent parse_child_line(const std::string& line);

}  // namespace joulegrid
