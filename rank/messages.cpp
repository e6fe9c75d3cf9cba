#include "rank/messages.hpp"

#include "io/errors.hpp"
#include "io/records/fields.hpp"
#include "io/records/schema.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;
using records::Fields;

const Fields<ConfigMessage>& config_fields() {
  static const Fields<ConfigMessage> f = {
      JG_FIELD(ConfigMessage, "ok", ok, "").must(),
      JG_FIELD(ConfigMessage, "spec_text", spec_text, ""),
      JG_FIELD(ConfigMessage, "spec_file", spec_file, ""),
      JG_FIELD(ConfigMessage, "base_dir", base_dir, ""),
      JG_FIELD(ConfigMessage, "heartbeat_s", heartbeat_s, "s"),
  };
  return f;
}

const Fields<HelloMessage>& hello_fields() {
  static const Fields<HelloMessage> f = {
      JG_FIELD(HelloMessage, "rank", rank, "").must(),
      JG_FIELD(HelloMessage, "node", node, "").must(),
      JG_FIELD(HelloMessage, "leader", leader, ""),
      // Through NodeRecord's own JSON (results.hpp), which also reads records of one calibration run.
      records::custom_field<HelloMessage>(
          "node_record", [](const HelloMessage& m) { return json(m.node_record); },
          [](HelloMessage& m, const json& j) { m.node_record = j.get<NodeRecord>(); }),
      JG_FIELD(HelloMessage, "error", error, ""),
  };
  return f;
}

const Fields<TaskMessage>& task_fields() {
  static const Fields<TaskMessage> f = {
      records::object_field<TaskMessage>("cell", &TaskMessage::cell, &records::cell_spec_fields).must(),
      JG_FIELD(TaskMessage, "attempt", attempt, ""),
  };
  return f;
}

const Fields<EpochMessage>& epoch_message_fields() {
  static const Fields<EpochMessage> f = {
      JG_FIELD(EpochMessage, "cell_id", cell_id, "").must(),
      JG_FIELD(EpochMessage, "attempt", attempt, ""),
      records::object_field<EpochMessage>("record", &EpochMessage::record, &records::epoch_fields).must(),
  };
  return f;
}

const Fields<FileMessage>& file_fields() {
  static const Fields<FileMessage> f = {
      JG_FIELD(FileMessage, "kind", kind, "").must(),
      JG_FIELD(FileMessage, "cell_id", cell_id, "").must(),
      JG_FIELD(FileMessage, "attempt", attempt, ""),
      JG_FIELD(FileMessage, "epoch", epoch, ""),
      JG_FIELD(FileMessage, "seconds", seconds, "s"),
      JG_FIELD(FileMessage, "started_unix_s", started_unix_s, "s"),
  };
  return f;
}

template <class M>
void read(const json& j, M& m, const Fields<M>& fields, const std::string& what) {
  try {
    records::from_json(j, m, fields, what);
  } catch (const std::exception& e) {  // invalid_argument naming the field, or a json::exception
    throw InputError(e.what());
  }
}

template <class M>
void read(const std::string& body, M& m, const Fields<M>& fields, const std::string& what) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw InputError(what + ": not JSON");
  read(j, m, fields, what);
}

}  // namespace

std::string encode(const ConfigMessage& m) { return records::to_json(m, config_fields()).dump(); }
std::string encode(const HelloMessage& m) { return records::to_json(m, hello_fields()).dump(); }
std::string encode(const TaskMessage& m) { return records::to_json(m, task_fields()).dump(); }
std::string encode(const EpochMessage& m) { return records::to_json(m, epoch_message_fields()).dump(); }
json header_of(const FileMessage& m) { return records::to_json(m, file_fields()); }

void decode(const std::string& body, ConfigMessage& m, const std::string& what) { read(body, m, config_fields(), what); }
void decode(const std::string& body, HelloMessage& m, const std::string& what) { read(body, m, hello_fields(), what); }
void decode(const std::string& body, TaskMessage& m, const std::string& what) { read(body, m, task_fields(), what); }
void decode(const std::string& body, EpochMessage& m, const std::string& what) {
  read(body, m, epoch_message_fields(), what);
}

FileMessage file_message_of(const json& header, const std::string& what) {
  FileMessage m;
  read(header, m, file_fields(), what);
  return m;
}

}  // namespace joulegrid
