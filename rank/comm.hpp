#pragma once
// The messages between rank 0 and the workers (ARCHITECTURE §3), over a
// transport that is MPI under mpirun/srun and in-process queues when
// joulegrid runs alone: one scheduler, one worker loop, two transports.
// Bodies are JSON text (the samples' and checkpoints' are binary); tags
// carry the meaning, and each body is a struct of messages.hpp.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace joulegrid {

namespace tag {
constexpr int config = 1;   // 0 → worker: ConfigMessage
constexpr int hello = 2;    // worker → 0: HelloMessage (node, meters, idle power, calibration)
constexpr int request = 3;  // worker → 0: ready for a cell
constexpr int task = 4;     // 0 → worker: TaskMessage
constexpr int stop = 5;     // 0 → worker: no more cells, exit
constexpr int epoch = 6;    // worker → 0: EpochMessage; also a heartbeat
constexpr int result = 7;   // worker → 0: a RunResult (done, failed or abandoned)
constexpr int abandon = 8;  // 0 → worker: kill the running cell now
constexpr int samples = 9;  // worker → 0: an attempt's raw readings (encode_block: binary, not JSON), before its result
constexpr int heartbeat = 10;  // worker → 0: "{}" while a cell runs, every config "heartbeat_s" / 5
// Both ways, binary (encode_blob, io/store/checkpoints.hpp): worker → 0 a
// FileMessage header, "state" (the running cell's training state, as kept)
// or "weights" (a pretraining cell's, before its result); 0 → worker the
// weights a fine-tuning task starts from, under the same header, or a
// RunningCheckpoint (encode_checkpoint) that the next task continues.
constexpr int checkpoint = 11;
constexpr int checkpoint_now = 12;  // 0 → worker: a drain began; keep the running cell's state at its epoch's end

}  // namespace tag

struct Message {
  int source = 0;
  int tag = 0;
  std::string body;
};

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void send(int destination, int tag, const std::string& body) = 0;
  // The next message, waiting at most `wait` without burning a core
  // (MPI receives busy-poll: implementations probe and sleep instead).
  virtual std::optional<Message> receive(std::chrono::milliseconds wait) = 0;
};

// The ranks of one node: one of them (the leader) measures the idle
// baseline and runs the calibration while the others wait.
class NodeGroup {
 public:
  virtual ~NodeGroup() = default;
  virtual bool leader() const = 0;
  virtual int size() const = 0;   // worker ranks on this node
  virtual int index() const = 0;  // this rank's place among them, 0 … size − 1
  virtual void barrier() = 0;
  // Each rank's `mine`, in index order, on every rank of the node.
  virtual std::vector<std::string> all_gather(const std::string& mine) = 0;
  // Every worker rank of the job: the nodes calibrate at the same moment and
  // start their cells together, so that nodes sharing anything (a power
  // feed, or cores when nodes are simulated on one machine) are measured alike.
  virtual void all_workers_barrier() = 0;
};

class SoloNode : public NodeGroup {
 public:
  bool leader() const override { return true; }
  int size() const override { return 1; }
  int index() const override { return 0; }
  void barrier() override {}
  std::vector<std::string> all_gather(const std::string& mine) override { return {mine}; }
  void all_workers_barrier() override {}
};

}  // namespace joulegrid
