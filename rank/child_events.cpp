#include "rank/child_events.hpp"

#include <type_traits>

#include "io/records/fields.hpp"
#include "rank/protocol.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;

template <class T>
T field(const json& ev, const char* event, const char* name, T fallback) {
  const auto it = ev.find(name);
  if (it == ev.end() || it->is_null()) return fallback;
  try {
    if constexpr (std::is_integral_v<T>) return records::exact_integer<T>(*it);  // get<T> casts 1e108 (undefined)
    else return it->get<T>();
  } catch (const std::exception&) {  // json::exception, or invalid_argument for a number out of range
    throw ProtocolError(std::string("the trainer's '") + event + "' event has a '" + name + "' of the wrong type (" +
                        it->type_name() + ") or out of range: " + it->dump().substr(0, 40));
  }
}

}  // namespace

ChildEvent parse_child_line(const std::string& line) {
  ChildEvent e;
  e.raw = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (e.raw.is_discarded() || !e.raw.is_object() || !e.raw.contains("event")) {
    e.raw = json();
    return e;
  }
  const json& ev = e.raw;
  if (!ev["event"].is_string()) throw ProtocolError("the trainer sent an event whose 'event' is not a string");
  const std::string kind = ev["event"].get<std::string>();
  if (kind == "ready") {
    e.kind = ChildEvent::Kind::ready;
    e.parameters = field<int64_t>(ev, "ready", "parameters", 0);
    e.flops_per_sample = field<int64_t>(ev, "ready", "flops_per_sample", 0);
    e.input_elements = field<int64_t>(ev, "ready", "input_elements", 0);
    e.device = field<std::string>(ev, "ready", "device", "");
    e.init = field<std::string>(ev, "ready", "init", "");
    e.resumed_epoch = field<int>(ev, "ready", "resumed_epoch", 0);
    // Last: a field that does not read is the sharper message.
    const std::string speaks = "; joulegrid speaks version " + std::to_string(protocol::kVersion) + " (docs/protocol.md)";
    if (!ev.contains("protocol")) throw ProtocolError("the trainer's 'ready' event names no 'protocol'" + speaks);
    if (const int v = field<int>(ev, "ready", "protocol", 0); v != protocol::kVersion)
      throw ProtocolError("the trainer speaks protocol version " + std::to_string(v) + speaks);
  } else if (kind == "phase") {
    e.kind = ChildEvent::Kind::phase;
    e.phase = field<std::string>(ev, "phase", "phase", "");
    if (e.phase != "train_begin" && e.phase != "eval_begin")
      throw ProtocolError("the trainer's 'phase' event names an unknown phase '" + e.phase + "'");
  } else if (kind == "batch") {
    e.kind = ChildEvent::Kind::batch;
  } else if (kind == "epoch") {
    e.kind = ChildEvent::Kind::epoch;
    try {
      e.epoch = ev.get<EpochRecord>();
    } catch (const std::exception& x) {  // a json::exception, or invalid_argument naming the field
      throw ProtocolError(std::string("the trainer's 'epoch' event does not read: ") + x.what());
    }
  } else if (kind == "checkpoint") {
    e.kind = ChildEvent::Kind::checkpoint;
    e.checkpoint_epoch = field<int>(ev, "checkpoint", "epoch", 0);
    if (e.checkpoint_epoch < 1) throw ProtocolError("the trainer's 'checkpoint' event names no epoch");
  } else if (kind == "error") {
    e.kind = ChildEvent::Kind::error;
    e.error_kind = field<std::string>(ev, "error", "kind", "");
    e.message = field<std::string>(ev, "error", "message", "");
  } else {
    throw ProtocolError("the trainer sent an event of unknown kind '" + kind.substr(0, 40) + "'");
  }
  return e;
}

}  // namespace joulegrid
