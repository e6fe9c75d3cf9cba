#include "io/store/schema.hpp"

namespace joulegrid::store {

const std::vector<Field<CellRow>>& cell_fields() {
  static const std::vector<Field<CellRow>> fields{
      JG_FIELD(CellRow, "index", index, ""),
      JG_FIELD(CellRow, "id", id, ""),
      JG_FIELD(CellRow, "architecture", architecture, ""),
      JG_FIELD(CellRow, "size", size, ""),
      JG_FIELD(CellRow, "criterion", criterion, ""),
      JG_FIELD(CellRow, "criterion_kind", criterion_kind, ""),
      JG_FIELD(CellRow, "epoch_cap", epoch_cap, ""),
      JG_FIELD(CellRow, "fold", fold, ""),
      JG_FIELD(CellRow, "batch_size", batch_size, ""),
      JG_FIELD(CellRow, "learning_rate", learning_rate, ""),
      JG_FIELD(CellRow, "optimizer", optimizer, ""),
      JG_FIELD(CellRow, "repeat", repeat, ""),
      JG_FIELD(CellRow, "dataset", dataset, ""),
      JG_FIELD(CellRow, "seed", seed, ""),
      JG_FIELD(CellRow, "status", status, ""),
      JG_FIELD(CellRow, "attempts", attempts, ""),
      JG_FIELD(CellRow, "role", role, ""),
      JG_FIELD(CellRow, "depends_on", depends_on, ""),
      JG_FIELD(CellRow, "freeze", freeze, ""),
  };
  return fields;
}

const std::vector<Field<NodeRecord>>& node_fields() {
  static const std::vector<Field<NodeRecord>> fields{
      JG_FIELD(NodeRecord, "name", name, ""),
      JG_FIELD(NodeRecord, "leader_rank", leader_rank, ""),
      JG_FIELD(NodeRecord, "replica", replica, ""),
      JG_FIELD(NodeRecord, "devices", devices, ""),
      JG_FIELD(NodeRecord, "energy_method", energy_method, ""),
      JG_FIELD(NodeRecord, "warnings", warnings, ""),
      JG_FIELD(NodeRecord, "idle_w", idle_w, "W"),
      JG_FIELD(NodeRecord, "idle_s", idle_s, "s"),
      JG_FIELD(NodeRecord, "calibration_steps", calibration_steps, ""),
      JG_FIELD(NodeRecord, "calibration_j", calibration_j, "J"),
      JG_FIELD(NodeRecord, "calibration_net_j", calibration_net_j, "J"),
      JG_FIELD(NodeRecord, "calibration_s", calibration_s, "s"),
      JG_FIELD(NodeRecord, "calibration_method", calibration_method, ""),
  };
  return fields;
}

const std::vector<Field<RunResult>>& run_fields() {
  static const std::vector<Field<RunResult>> fields{
      JG_FIELD(RunResult, "cell_id", cell_id, ""),
      JG_FIELD(RunResult, "cell_index", cell_index, ""),
      JG_FIELD(RunResult, "attempt", attempt, ""),
      JG_FIELD(RunResult, "settles_cell", settles_cell, ""),
      JG_FIELD(RunResult, "replica", replica, ""),
      JG_FIELD(RunResult, "status", status, ""),
      JG_FIELD(RunResult, "stop_reason", stop_reason, ""),
      JG_FIELD(RunResult, "failure", failure, ""),
      JG_FIELD(RunResult, "detail", detail, ""),
      JG_FIELD(RunResult, "error_tail", error_tail, ""),
      JG_FIELD(RunResult, "node", node, ""),
      JG_FIELD(RunResult, "rank", rank, ""),
      JG_FIELD(RunResult, "device", device, ""),
      JG_FIELD(RunResult, "started_unix_s", started_unix_s, "s"),
      JG_FIELD(RunResult, "seconds", seconds, "s"),
      JG_FIELD(RunResult, "gpu_util", gpu_util, "%"),
      JG_FIELD(RunResult, "cpu_util", cpu_util, "%"),
      JG_FIELD(RunResult, "step_epoch", step_epoch, ""),
      JG_FIELD(RunResult, "step_projected_j", step_projected_j, "J"),
      JG_FIELD(RunResult, "step_projected_s", step_projected_s, "s"),
      JG_FIELD(RunResult, "epochs", epochs, ""),
      JG_FIELD(RunResult, "train_acc", train_acc, ""),
      JG_FIELD(RunResult, "val_acc", val_acc, ""),
      JG_FIELD(RunResult, "test_acc", test_acc, ""),
      JG_FIELD(RunResult, "energy_j", energy_j, "J"),
      JG_FIELD(RunResult, "energy_method", energy_method, ""),
      JG_FIELD(RunResult, "efficiency_per_j", efficiency, "1/J"),
      JG_FIELD(RunResult, "parameters", parameters, ""),
      JG_FIELD(RunResult, "flops_per_sample", flops_per_sample, "FLOP"),
      JG_FIELD(RunResult, "input_elements", input_elements, ""),
      JG_FIELD(RunResult, "init", init, ""),
  };
  return fields;
}

// Each phase's reading as ten columns: train_j, train_net_j, train_node_j, ...
#define JG_PHASE_FIELDS(phase)                                                        \
  JG_FIELD(EpochRow, #phase "_j", record.phase##_energy.joules, "J"),                 \
      JG_FIELD(EpochRow, #phase "_net_j", record.phase##_energy.net_joules, "J"),     \
      JG_FIELD(EpochRow, #phase "_node_j", record.phase##_energy.node_joules, "J"),   \
      JG_FIELD(EpochRow, #phase "_cpu_j", record.phase##_energy.cpu_j, "J"),          \
      JG_FIELD(EpochRow, #phase "_ram_j", record.phase##_energy.ram_j, "J"),          \
      JG_FIELD(EpochRow, #phase "_gpu_j", record.phase##_energy.gpu_j, "J"),          \
      JG_FIELD(EpochRow, #phase "_method", record.phase##_energy.method, ""),         \
      JG_FIELD(EpochRow, #phase "_disagreement", record.phase##_energy.disagreement, ""), \
      JG_FIELD(EpochRow, #phase "_gpu_util", record.phase##_energy.gpu_util, "%"),    \
      JG_FIELD(EpochRow, #phase "_cpu_util", record.phase##_energy.cpu_util, "%")

const std::vector<Field<EpochRow>>& epoch_fields() {
  static const std::vector<Field<EpochRow>> fields{
      JG_FIELD(EpochRow, "cell_id", cell_id, ""),
      JG_FIELD(EpochRow, "attempt", attempt, ""),
      JG_FIELD(EpochRow, "replica", replica, ""),
      JG_FIELD(EpochRow, "epoch", record.epoch, ""),
      JG_FIELD(EpochRow, "partial", record.partial, ""),
      JG_FIELD(EpochRow, "batches", record.batches, ""),
      JG_FIELD(EpochRow, "train_samples", record.train_samples, ""),
      JG_FIELD(EpochRow, "eval_samples", record.eval_samples, ""),
      JG_FIELD(EpochRow, "loss", record.loss, ""),
      JG_FIELD(EpochRow, "train_acc", record.train_acc, ""),
      JG_FIELD(EpochRow, "val_acc", record.val_acc, ""),
      JG_FIELD(EpochRow, "test_acc", record.test_acc, ""),
      JG_FIELD(EpochRow, "train_s", record.train_s, "s"),
      JG_FIELD(EpochRow, "eval_s", record.eval_s, "s"),
      JG_PHASE_FIELDS(train),
      JG_PHASE_FIELDS(eval),
      JG_FIELD(EpochRow, "cumulative_j", record.cumulative_j, "J"),
      JG_FIELD(EpochRow, "efficiency_per_j", record.efficiency, "1/J"),
  };
  return fields;
}

}  // namespace joulegrid::store
