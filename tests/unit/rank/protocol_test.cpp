#include <gtest/gtest.h>

#include "io/errors.hpp"
#include "rank/messages.hpp"
#include "rank/protocol.hpp"

namespace joulegrid {
namespace {

// Every event the child writes reads back as what it said: the writer and
// the reader of each event are one pair (rank/protocol.cpp).
TEST(CellProtocol, EveryEventTheChildWritesReadsBackWhole) {
  protocol::Ready ready;
  ready.parameters = 44426;
  ready.flops_per_sample = 1234567;
  ready.input_elements = 784;
  ready.device = "cuda:0";
  ready.init = "reset";
  ready.threads = 3;
  ready.train_samples = 600;
  ready.validation_samples = 100;
  ready.test_samples = 200;
  ready.validation_is_test = false;
  ready.resumed_epoch = 2;
  ready.transfer = {{"loaded", 4}, {"kept", 3}, {"frozen", 2}, {"trainable", 1}};
  const ChildEvent r = parse_child_line(protocol::ready_line(ready));
  ASSERT_EQ(r.kind, ChildEvent::Kind::ready);
  EXPECT_EQ(r.ready.parameters, 44426);
  EXPECT_EQ(r.ready.flops_per_sample, 1234567);
  EXPECT_EQ(r.ready.input_elements, 784);
  EXPECT_EQ(r.ready.device, "cuda:0");
  EXPECT_EQ(r.ready.init, "reset");
  EXPECT_EQ(r.ready.threads, 3);
  EXPECT_EQ(r.ready.train_samples, 600);
  EXPECT_EQ(r.ready.validation_samples, 100);
  EXPECT_EQ(r.ready.test_samples, 200);
  EXPECT_FALSE(r.ready.validation_is_test);
  EXPECT_EQ(r.ready.resumed_epoch, 2);
  EXPECT_EQ(r.ready.transfer.value("frozen", 0), 2);
  EXPECT_EQ(r.raw.value("protocol", 0), protocol::kVersion);

  const ChildEvent p = parse_child_line(protocol::phase_line(protocol::kEvalBegin, 3));
  EXPECT_EQ(p.kind, ChildEvent::Kind::phase);
  EXPECT_EQ(p.phase, protocol::kEvalBegin);
  EXPECT_EQ(parse_child_line(protocol::batch_line(3, 17)).kind, ChildEvent::Kind::batch);

  EpochRecord rec;
  rec.epoch = 3;
  rec.loss = 0.25;
  rec.train_acc = 0.9;
  rec.val_acc = 0.8;
  rec.test_acc = 0.75;
  rec.train_s = 1.5;
  rec.eval_s = 0.5;
  rec.batches = 10;
  rec.partial = true;
  const ChildEvent e = parse_child_line(protocol::epoch_line(rec));
  ASSERT_EQ(e.kind, ChildEvent::Kind::epoch);
  EXPECT_EQ(e.epoch.epoch, 3);
  EXPECT_DOUBLE_EQ(e.epoch.test_acc, 0.75);
  EXPECT_EQ(e.epoch.batches, 10);
  EXPECT_TRUE(e.epoch.partial);

  const ChildEvent c = parse_child_line(protocol::checkpoint_line(3));
  EXPECT_EQ(c.kind, ChildEvent::Kind::checkpoint);
  EXPECT_EQ(c.checkpoint_epoch, 3);

  const ChildEvent x = parse_child_line(protocol::error_line(protocol::failure::nonfinite_loss, "loss nan", 3, 7));
  ASSERT_EQ(x.kind, ChildEvent::Kind::error);
  EXPECT_EQ(x.error_kind, "nonfinite_loss");
  EXPECT_EQ(x.message, "loss nan");
  EXPECT_EQ(x.raw.value("batch", 0), 7);
  EXPECT_FALSE(parse_child_line(protocol::error_line(protocol::failure::input, "bad")).raw.contains("epoch"));

  EXPECT_EQ(parse_child_line(protocol::done_line()).kind, ChildEvent::Kind::done);
}

// What the parent refuses, naming the event and the field.
// libtorch's own words for what went wrong, as its CPU, CUDA and ROCm
// builds say them: the GPU's faults are a device failure, running out of
// memory is out_of_memory, anything else internal.
TEST(CellProtocol, ATorchErrorIsClassifiedByWhatWentWrong) {
  using protocol::failure::classify_torch_error;
  for (const char* m : {"CUDA error: an illegal memory access was encountered",
                        "CUDA error: device-side assert triggered",
                        "CUDA error: unspecified launch failure",
                        "CUDA error: uncorrectable ECC error encountered",
                        "HIP error: an illegal memory access was encountered",
                        "CUDA driver error: the GPU has fallen off the bus",
                        "CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasSgemm( handle, opa, opb, m, n, k, ...)`",
                        "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR",
                        "NCCL error in: ProcessGroupNCCL.cpp:1269, unhandled cuda error"})
    EXPECT_EQ(classify_torch_error(m), FailureValue::device) << m;
  for (const char* m : {"CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.10 GiB total capacity)",
                        "HIP out of memory. Tried to allocate 20.00 MiB",
                        "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory"})
    EXPECT_EQ(classify_torch_error(m), FailureValue::out_of_memory) << m;
  for (const char* m : {"mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)", "Expected all tensors to be on "
                        "the same device, but found at least two devices, cuda:0 and cpu!"})
    EXPECT_EQ(classify_torch_error(m), FailureValue::internal) << m;
}

TEST(CellProtocol, ABadEventIsRefusedNamingItsField) {
  auto refusal = [](const std::string& line) -> std::string {
    try {
      parse_child_line(line);
    } catch (const ProtocolError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(refusal(R"({"event":"ready","protocol":2})").find("speaks protocol version 2"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"ready"})").find("names no 'protocol'"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"ready","protocol":1,"threads":"many"})").find("'threads'"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"ready","protocol":1,"transfer":3})").find("'transfer'"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"phase","phase":"warmup"})").find("unknown phase"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"checkpoint"})").find("names no epoch"), std::string::npos);
  EXPECT_NE(refusal(R"({"event":"sing"})").find("unknown kind 'sing'"), std::string::npos);
  EXPECT_EQ(parse_child_line("Downloading weights… 100%").kind, ChildEvent::Kind::not_an_event);
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// Each message between rank 0 and a worker is one struct with one field
// list: what one side encodes, the other decodes whole.
TEST(RankMessages, EveryMessageReadsBackWhole) {
  ConfigMessage config{true, "[experiment]\n", "s.toml", "/data", 2.5}, config_back;
  decode(encode(config), config_back, "config");
  EXPECT_TRUE(config_back.ok);
  EXPECT_EQ(config_back.spec_file, "s.toml");
  EXPECT_DOUBLE_EQ(config_back.heartbeat_s, 2.5);
  ConfigMessage refused;
  decode(encode(ConfigMessage{}), refused, "config");
  EXPECT_FALSE(refused.ok);

  HelloMessage hello, hello_back;
  hello.rank = 3;
  hello.node = "gpu-07";
  hello.leader = true;
  hello.node_record.name = "gpu-07";
  hello.node_record.calibration_steps = 50;
  hello.node_record.calibration_j = 166;
  hello.node_record.calibration_runs = {{1, 166, 100, 1.0, "GPU-a"}};
  decode(encode(hello), hello_back, "hello");
  EXPECT_EQ(hello_back.rank, 3);
  EXPECT_TRUE(hello_back.leader);
  EXPECT_TRUE(hello_back.error.empty());
  ASSERT_EQ(hello_back.node_record.calibration_runs.size(), 1u);
  EXPECT_EQ(hello_back.node_record.calibration_runs[0].card, "GPU-a");

  TaskMessage task, task_back;
  task.cell.id = "c0ffee";
  task.cell.architecture = "lenet1";
  task.attempt = 2;
  decode(encode(task), task_back, "task");
  EXPECT_EQ(task_back.cell.id, "c0ffee");
  EXPECT_EQ(task_back.attempt, 2);

  EpochMessage epoch{"c0ffee", 2, {}}, epoch_back;
  epoch.record.epoch = 4;
  epoch.record.cumulative_j = 12.5;
  decode(encode(epoch), epoch_back, "epoch");
  EXPECT_EQ(epoch_back.record.epoch, 4);
  EXPECT_DOUBLE_EQ(epoch_back.record.cumulative_j, 12.5);

  const FileMessage file = file_message_of(header_of(FileMessage{"state", "c0ffee", 2, 4, 9.5, 1000}), "file");
  EXPECT_EQ(file.kind, "state");
  EXPECT_EQ(file.epoch, 4);
  EXPECT_DOUBLE_EQ(file.started_unix_s, 1000);
}

// A message without what its reader needs is refused naming the field.
TEST(RankMessages, AMessageWithoutARequiredFieldIsRefusedNamingIt) {
  HelloMessage hello;
  try {
    decode(R"({"node":"n1","leader":true})", hello, "rank 2's message (tag 2)");
    FAIL() << "a hello without its rank was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 2's message (tag 2): 'rank' is missing"), std::string::npos) << e.what();
  }
  EpochMessage epoch;
  EXPECT_THROW(decode(R"({"cell_id":"c","record":{"epoch":"one"}})", epoch, "epoch"), InputError);
  EXPECT_THROW(decode("not json", epoch, "epoch"), InputError);
  EXPECT_THROW(file_message_of({{"cell_id", "c"}}, "file"), InputError);
}

}  // namespace
}  // namespace joulegrid
