#include "rank/protocol.hpp"

#include <type_traits>

#include "io/records/fields.hpp"

namespace joulegrid {

namespace protocol {

using nlohmann::json;

namespace {

std::string line_of(const json& ev) { return ev.dump(); }

}  // namespace

FailureValue failure::classify_torch_error(const std::string& message) {
  auto says = [&](std::initializer_list<const char*> words) {
    for (const char* w : words)
      if (message.find(w) != std::string::npos) return true;
    return false;
  };
  if (says({"out of memory", "can't allocate memory", "CUDA_ERROR_OUT_OF_MEMORY", "hipErrorOutOfMemory"}))
    return FailureValue::out_of_memory;
  if (says({"CUDA error", "HIP error", "CUDA driver error", "illegal memory access", "illegal address",
            "device-side assert", "unspecified launch failure", "ECC error", "CUBLAS_STATUS_", "CUDNN_STATUS_",
            "NCCL error", "fallen off the bus", "GPU is lost", "no CUDA-capable device",
            "CUDA-capable devices are busy or unavailable"}))
    return FailureValue::device;
  return FailureValue::internal;
}

std::string ready_line(const Ready& r) {
  json ev{{"event", event::ready},
          {"protocol", kVersion},
          {"parameters", r.parameters},
          {"flops_per_sample", r.flops_per_sample},
          {"device", r.device},
          {"threads", r.threads},
          {"init", r.init},
          {"train_samples", r.train_samples},
          {"validation_samples", r.validation_samples},
          {"test_samples", r.test_samples},
          {"validation_is_test", r.validation_is_test},
          {"input_elements", r.input_elements},
          {"resumed_epoch", r.resumed_epoch}};
  if (!r.transfer.is_null()) ev["transfer"] = r.transfer;
  return line_of(ev);
}

std::string phase_line(const char* phase, int epoch) {
  return line_of({{"event", event::phase}, {"phase", phase}, {"epoch", epoch}});
}

std::string batch_line(int epoch, int64_t batch) {
  return line_of({{"event", event::batch}, {"epoch", epoch}, {"batch", batch}});
}

std::string epoch_line(const EpochRecord& record) {
  json ev = record;
  ev["event"] = event::epoch;
  return line_of(ev);
}

std::string checkpoint_line(int epoch) { return line_of({{"event", event::checkpoint}, {"epoch", epoch}}); }

std::string done_line() { return line_of({{"event", event::done}}); }

std::string error_line(Failure kind, const std::string& message, int epoch, int64_t batch) {
  json ev{{"event", event::error}, {"kind", kind}, {"message", message}};
  if (epoch) ev["epoch"] = epoch;
  if (batch) ev["batch"] = batch;
  return line_of(ev);
}

}  // namespace protocol

namespace {

using nlohmann::json;

template <class T>
T field(const json& ev, const char* event, const char* name, T fallback) {
  const auto it = ev.find(name);
  if (it == ev.end() || it->is_null()) return fallback;
  try {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return records::exact_integer<T>(*it);  // get<T> casts 1e108 (undefined)
    else return it->get<T>();
  } catch (const std::exception&) {  // json::exception, or invalid_argument for a number out of range
    throw ProtocolError(std::string("the trainer's '") + event + "' event has a '" + name + "' of the wrong type (" +
                        it->type_name() + ") or out of range: " + it->dump().substr(0, 40));
  }
}

}  // namespace

ChildEvent parse_child_line(const std::string& line) {
  namespace event = protocol::event;
  ChildEvent e;
  e.raw = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (e.raw.is_discarded() || !e.raw.is_object() || !e.raw.contains("event")) {
    e.raw = json();
    return e;
  }
  const json& ev = e.raw;
  if (!ev["event"].is_string()) throw ProtocolError("the trainer sent an event whose 'event' is not a string");
  const std::string kind = ev["event"].get<std::string>();
  if (kind == event::ready) {
    e.kind = ChildEvent::Kind::ready;
    protocol::Ready& r = e.ready;
    r.parameters = field<int64_t>(ev, event::ready, "parameters", 0);
    r.flops_per_sample = field<int64_t>(ev, event::ready, "flops_per_sample", 0);
    r.input_elements = field<int64_t>(ev, event::ready, "input_elements", 0);
    r.device = field<std::string>(ev, event::ready, "device", "");
    r.init = field<std::string>(ev, event::ready, "init", "");
    r.threads = field<int>(ev, event::ready, "threads", 0);
    r.train_samples = field<int64_t>(ev, event::ready, "train_samples", 0);
    r.validation_samples = field<int64_t>(ev, event::ready, "validation_samples", 0);
    r.test_samples = field<int64_t>(ev, event::ready, "test_samples", 0);
    r.validation_is_test = field<bool>(ev, event::ready, "validation_is_test", true);
    r.resumed_epoch = field<int>(ev, event::ready, "resumed_epoch", 0);
    if (const auto t = ev.find("transfer"); t != ev.end() && !t->is_null()) {
      if (!t->is_object()) throw ProtocolError("the trainer's 'ready' event has a 'transfer' that is not an object");
      r.transfer = *t;
    }
    // Last: a field that does not read is the sharper message.
    const std::string speaks = "; joulegrid speaks version " + std::to_string(protocol::kVersion) + " (docs/protocol.md)";
    if (!ev.contains("protocol")) throw ProtocolError("the trainer's 'ready' event names no 'protocol'" + speaks);
    if (const int v = field<int>(ev, event::ready, "protocol", 0); v != protocol::kVersion)
      throw ProtocolError("the trainer speaks protocol version " + std::to_string(v) + speaks);
  } else if (kind == event::phase) {
    e.kind = ChildEvent::Kind::phase;
    e.phase = field<std::string>(ev, event::phase, "phase", "");
    if (e.phase != protocol::kTrainBegin && e.phase != protocol::kEvalBegin)
      throw ProtocolError("the trainer's 'phase' event names an unknown phase '" + e.phase + "'");
  } else if (kind == event::batch) {
    e.kind = ChildEvent::Kind::batch;
  } else if (kind == event::epoch) {
    e.kind = ChildEvent::Kind::epoch;
    try {
      e.epoch = ev.get<EpochRecord>();
    } catch (const std::exception& x) {  // a json::exception, or invalid_argument naming the field
      throw ProtocolError(std::string("the trainer's 'epoch' event does not read: ") + x.what());
    }
  } else if (kind == event::checkpoint) {
    e.kind = ChildEvent::Kind::checkpoint;
    e.checkpoint_epoch = field<int>(ev, event::checkpoint, "epoch", 0);
    if (e.checkpoint_epoch < 1) throw ProtocolError("the trainer's 'checkpoint' event names no epoch");
  } else if (kind == event::done) {
    e.kind = ChildEvent::Kind::done;
  } else if (kind == event::error) {
    e.kind = ChildEvent::Kind::error;
    e.error_kind = field<std::string>(ev, event::error, "kind", "");
    e.message = field<std::string>(ev, event::error, "message", "");
  } else {
    throw ProtocolError("the trainer sent an event of unknown kind '" + kind.substr(0, 40) + "'");
  }
  return e;
}

}  // namespace joulegrid
