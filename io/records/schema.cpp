#include "io/records/schema.hpp"

namespace joulegrid::records {

// ---- the cell ------------------------------------------------------------------

const Fields<CriterionSpec>& criterion_fields() {
  static const Fields<CriterionSpec> f{
      JG_FIELD(CriterionSpec, "kind", kind, "").must(),
      JG_FIELD(CriterionSpec, "name", name, "").must(),
      JG_FIELD(CriterionSpec, "epochs", epochs, "").must(),
      JG_FIELD(CriterionSpec, "target", target, "").must(),
      JG_FIELD(CriterionSpec, "split", split, "").must(),
      JG_FIELD(CriterionSpec, "patience", patience, "").must(),
      JG_FIELD(CriterionSpec, "min_delta", min_delta, "").must(),
      JG_FIELD(CriterionSpec, "budget_j", budget_j, "J").must(),
      JG_FIELD(CriterionSpec, "check", check, "").must(),
      JG_FIELD(CriterionSpec, "max_epochs", max_epochs, "").must(),
  };
  return f;
}

const Fields<Normalization>& normalization_fields() {
  static const Fields<Normalization> f{
      JG_FIELD(Normalization, "preset", preset, "").must(),
      JG_FIELD(Normalization, "mean", mean, "").must(),
      JG_FIELD(Normalization, "std", std, "").must(),
  };
  return f;
}

const Fields<DataSpec>& data_fields() {
  static const Fields<DataSpec> f{
      JG_FIELD(DataSpec, "format", format, "").must(),
      // Where the files lie is not what they are: a replication on another
      // cluster keeps its ids.
      JG_FIELD(DataSpec, "path", path, "").must().not_identity(),
      JG_FIELD(DataSpec, "name", name, "").must(),
      JG_FIELD(DataSpec, "classes", classes, "").must(),
      JG_FIELD(DataSpec, "split", split, "").must(),
      JG_FIELD(DataSpec, "folds", folds, "").must(),
      JG_FIELD(DataSpec, "validation_fraction", validation_fraction, "").must(),
      JG_FIELD(DataSpec, "subset_train", subset_train, "").must(),
      JG_FIELD(DataSpec, "subset_test", subset_test, "").must(),
      object_field("normalization", &DataSpec::normalization, normalization_fields).must(),
  };
  return f;
}

namespace {

// A normal initialisation as [mean, std].
Field<BayesOptions> pair_field(const char* name, double BayesOptions::*mean, double BayesOptions::*sd) {
  return custom_field<BayesOptions>(
             name, [=](const BayesOptions& b) { return nlohmann::json::array({b.*mean, b.*sd}); },
             [=](BayesOptions& b, const nlohmann::json& j) {
               b.*mean = j.at(0).get<double>();
               b.*sd = j.at(1).get<double>();
             })
      .must();
}

}  // namespace

const Fields<BayesOptions>& bayes_fields() {
  static const Fields<BayesOptions> f{
      JG_FIELD(BayesOptions, "beta", beta, "").must(),
      JG_FIELD(BayesOptions, "prior_mu", prior_mu, "").must(),
      JG_FIELD(BayesOptions, "prior_sigma", prior_sigma, "").must(),
      pair_field("posterior_mu", &BayesOptions::posterior_mu_mean, &BayesOptions::posterior_mu_std),
      pair_field("posterior_rho", &BayesOptions::posterior_rho_mean, &BayesOptions::posterior_rho_std),
      JG_FIELD(BayesOptions, "train_ensemble", train_ensemble, "").must(),
      JG_FIELD(BayesOptions, "test_ensemble", test_ensemble, "").must(),
  };
  return f;
}

const Fields<DropoutOptions>& dropout_fields() {
  static const Fields<DropoutOptions> f{
      JG_FIELD(DropoutOptions, "p", p, "").must(),
      JG_FIELD(DropoutOptions, "test_passes", test_passes, "").must(),
  };
  return f;
}

const Fields<TrainOptions>& train_option_fields() {
  static const Fields<TrainOptions> f{
      JG_FIELD(TrainOptions, "init", init, "").must(),
      JG_FIELD(TrainOptions, "activation", activation, "").must(),
      JG_FIELD(TrainOptions, "momentum", momentum, "").must(),
      JG_FIELD(TrainOptions, "weight_decay", weight_decay, "").must(),
      JG_FIELD(TrainOptions, "train_accuracy", train_accuracy, "")
          .identity_when([](const TrainOptions& t) { return t.train_accuracy != "running"; }),
      object_field("bayes", &TrainOptions::bayes, bayes_fields).must(),
      object_field("mcdropout", &TrainOptions::dropout, dropout_fields).must(),
      // Where and how fast a cell trains does not change its numbers.
      JG_FIELD(TrainOptions, "device", device, "").must().not_identity(),
      JG_FIELD(TrainOptions, "share_gpus", share_gpus, "").not_identity(),
      JG_FIELD(TrainOptions, "threads", threads, "").must().not_identity(),
      JG_FIELD(TrainOptions, "eval_batch_size", eval_batch_size, "").must().not_identity(),
      JG_FIELD(TrainOptions, "checkpoint_every", checkpoint_every, "").not_identity(),
  };
  return f;
}

namespace {

const Fields<CellSpec>& finetune_group() {
  static const Fields<CellSpec> f{
      JG_FIELD(CellSpec, "role", role, "").must(),
      JG_FIELD(CellSpec, "depends_on", depends_on, "").must(),
      JG_FIELD(CellSpec, "freeze", freeze, "").must(),
      JG_FIELD(CellSpec, "checkpoint", checkpoint, "").must().not_identity(),  // set by rank 0
  };
  return f;
}

const Fields<CellSpec>& model_group() {
  static const Fields<CellSpec> f{
      JG_FIELD(CellSpec, "kind", model_kind, "").must(),
      JG_FIELD(CellSpec, "file", model_file, "").must().not_identity(),
      JG_FIELD(CellSpec, "hash", model_hash, "").must(),
      // Only when reset: the cells of a model that starts from its file keep their ids.
      JG_FIELD(CellSpec, "init", model_init, "").identity_when([](const CellSpec& c) { return c.model_init == "reset"; }),
      JG_FIELD(CellSpec, "command", model_command, "").not_identity(),
      JG_FIELD(CellSpec, "workdir", model_workdir, "").not_identity(),
      JG_FIELD(CellSpec, "ready_seconds", ready_seconds, "s").not_identity(),
      JG_FIELD(CellSpec, "stop_seconds", stop_seconds, "s").not_identity(),
  };
  return f;
}

const Fields<CellSpec>& checkpointing_group() {
  static const Fields<CellSpec> f{
      JG_FIELD(CellSpec, "checkpoint_to", checkpoint_to, "").not_identity(),
      JG_FIELD(CellSpec, "resume_from", resume_from, "").not_identity(),
  };
  return f;
}

}  // namespace

const Fields<CellSpec>& cell_spec_fields() {
  static const Fields<CellSpec> f{
      JG_FIELD(CellSpec, "index", index, "").must().not_identity(),
      JG_FIELD(CellSpec, "id", id, "").must().not_identity(),
      JG_FIELD(CellSpec, "study", study, "").must().not_identity(),
      JG_FIELD(CellSpec, "architecture", architecture, "").must(),
      JG_FIELD(CellSpec, "size", size, "").must(),
      // Only for an imported model: the built-in ones keep the ids they always had.
      group_field("model", model_group).known_when([](const CellSpec& c) { return !c.model_kind.empty(); }),
      object_field("criterion", &CellSpec::criterion, criterion_fields).must(),
      JG_FIELD(CellSpec, "fold", fold, "").must(),
      JG_FIELD(CellSpec, "batch_size", batch_size, "").must(),
      JG_FIELD(CellSpec, "learning_rate", learning_rate, "").must(),
      JG_FIELD(CellSpec, "optimizer", optimizer, "").must(),
      JG_FIELD(CellSpec, "repeat", repeat, "").must(),
      JG_FIELD(CellSpec, "experiment_seed", data_seed, "").must().aka({"data_seed"}),
      JG_FIELD(CellSpec, "seed", seed, "").must().not_identity(),
      object_field("data", &CellSpec::data, data_fields).must(),
      object_field("train", &CellSpec::train, train_option_fields).must(),
      JG_FIELD(CellSpec, "timeout_s", timeout_s, "s").must().not_identity(),
      JG_FIELD(CellSpec, "attempt", attempt, "").not_identity(),
      // Only for fine-tuning: a grid without it keeps the ids it always had.
      group_field("finetune", finetune_group).known_when([](const CellSpec& c) { return c.role != RoleValue::scratch; }),
      // Set by the worker for its child only.
      group_field("checkpointing", checkpointing_group)
          .known_when([](const CellSpec& c) { return !c.checkpoint_to.empty() || !c.resume_from.empty(); }),
  };
  return f;
}

// ---- what a run measured ----------------------------------------------------------

const Fields<EnergyReading>& energy_fields() {
  static const Fields<EnergyReading> f{
      JG_FIELD(EnergyReading, "j", joules, "J").aka({"joules"}),
      JG_FIELD(EnergyReading, "net_j", net_joules, "J").aka({"net_joules"}),
      JG_FIELD(EnergyReading, "node_j", node_joules, "J").aka({"node_joules"}),
      JG_FIELD(EnergyReading, "cpu_j", cpu_j, "J"),
      JG_FIELD(EnergyReading, "ram_j", ram_j, "J"),
      JG_FIELD(EnergyReading, "gpu_j", gpu_j, "J"),
      JG_FIELD(EnergyReading, "method", method, ""),
      JG_FIELD(EnergyReading, "disagreement", disagreement, ""),
      JG_FIELD(EnergyReading, "gpu_util_percent", gpu_util, "%").aka({"gpu_util"}),
      JG_FIELD(EnergyReading, "cpu_util_percent", cpu_util, "%").aka({"cpu_util"}),
      JG_FIELD(EnergyReading, "other_cpu_percent", other_cpu, "%"),
  };
  return f;
}

namespace {

// Journals before the field lists nested each phase's reading as an object
// ("train_energy": {"joules": …}); they still read.
Field<EpochRecord> older_phase_object(const char* name, EnergyReading EpochRecord::*phase) {
  return object_field(name, phase, energy_fields).read_only();
}

}  // namespace

const Fields<EpochRecord>& epoch_fields() {
  static const Fields<EpochRecord> f = concat<EpochRecord>({
      {
          JG_FIELD(EpochRecord, "epoch", epoch, "").must(),
          JG_FIELD(EpochRecord, "partial", partial, ""),
          JG_FIELD(EpochRecord, "batches", batches, ""),
          JG_FIELD(EpochRecord, "train_samples", train_samples, ""),
          JG_FIELD(EpochRecord, "eval_samples", eval_samples, ""),
          JG_FIELD(EpochRecord, "loss", loss, "").must(),
          JG_FIELD(EpochRecord, "train_acc", train_acc, "").must(),
          JG_FIELD(EpochRecord, "train_eval_acc", train_eval_acc, ""),
          JG_FIELD(EpochRecord, "val_acc", val_acc, "").must(),
          JG_FIELD(EpochRecord, "test_acc", test_acc, "").must(),
          JG_FIELD(EpochRecord, "train_s", train_s, "s").must(),
          JG_FIELD(EpochRecord, "eval_s", eval_s, "s").must(),
      },
      flattened("train_", &EpochRecord::train_energy, energy_fields()),
      flattened("eval_", &EpochRecord::eval_energy, energy_fields()),
      {
          JG_FIELD(EpochRecord, "cumulative_j", cumulative_j, "J"),
          JG_FIELD(EpochRecord, "efficiency_per_j", efficiency, "1/J"),
          // The epoch's method, for the reports: its training phase's.
          make_field<EpochRecord>(
              "energy_method", "", [](const EpochRecord& r) -> const EnergyMethod& { return r.train_energy.method; },
              [](EpochRecord& r, EnergyMethod m) { r.train_energy.method = m; })
              .derived(),
          older_phase_object("train_energy", &EpochRecord::train_energy),
          older_phase_object("eval_energy", &EpochRecord::eval_energy),
      },
  });
  return f;
}

const Fields<RunResult>& run_fields() {
  static const Fields<RunResult> f{
      JG_FIELD(RunResult, "cell_id", cell_id, "").must(),
      JG_FIELD(RunResult, "cell_index", cell_index, ""),
      JG_FIELD(RunResult, "attempt", attempt, ""),
      JG_FIELD(RunResult, "settles_cell", settles_cell, ""),
      JG_FIELD(RunResult, "replica", replica, ""),
      JG_FIELD(RunResult, "status", status, "").must(),
      JG_FIELD(RunResult, "stop_reason", stop_reason, ""),
      JG_FIELD(RunResult, "failure", failure, ""),
      JG_FIELD(RunResult, "detail", detail, ""),
      JG_FIELD(RunResult, "error_tail", error_tail, ""),
      JG_FIELD(RunResult, "unfinished_j", unfinished_j, "J"),
      JG_FIELD(RunResult, "node", node, ""),
      JG_FIELD(RunResult, "node_session", node_session, ""),
      JG_FIELD(RunResult, "rank", rank, ""),
      JG_FIELD(RunResult, "device", device, ""),
      JG_FIELD(RunResult, "gpu", gpu, ""),
      JG_FIELD(RunResult, "gpu_shared", gpu_shared, ""),
      JG_FIELD(RunResult, "gpu_unmetered", gpu_unmetered, ""),
      JG_FIELD(RunResult, "started_unix_s", started_unix_s, "s"),
      JG_FIELD(RunResult, "seconds", seconds, "s"),
      JG_FIELD(RunResult, "outside_s", outside_s, "s"),
      JG_FIELD(RunResult, "outside_j", outside_j, "J"),
      JG_FIELD(RunResult, "warm_trainer", warm_trainer, ""),
      JG_FIELD(RunResult, "gpu_util_percent", gpu_util, "%").aka({"gpu_util"}),
      JG_FIELD(RunResult, "cpu_util_percent", cpu_util, "%").aka({"cpu_util"}),
      JG_FIELD(RunResult, "other_cpu_percent", other_cpu, "%"),
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
      // In JSON only: the results file keeps epochs and segments in tables of their own.
      list_field("epoch_records", &RunResult::epoch_records, epoch_fields),
      list_field("segments", &RunResult::segments, segment_fields),
  };
  return f;
}

const Fields<RunSegment>& segment_fields() {
  static const Fields<RunSegment> f{
      JG_FIELD(RunSegment, "first_epoch", first_epoch, "").must(),
      JG_FIELD(RunSegment, "epochs", epochs, "").must(),
      JG_FIELD(RunSegment, "node", node, "").must(),
      JG_FIELD(RunSegment, "node_session", node_session, ""),
      JG_FIELD(RunSegment, "rank", rank, ""),
      JG_FIELD(RunSegment, "started_unix_s", started_unix_s, "s"),
      JG_FIELD(RunSegment, "seconds", seconds, "s"),
      JG_FIELD(RunSegment, "energy_j", energy_j, "J"),
  };
  return f;
}

// ---- the rest of the results file ------------------------------------------------------

const Fields<CalibrationRun>& calibration_run_fields() {
  static const Fields<CalibrationRun> f{
      JG_FIELD(CalibrationRun, "repetition", repetition, ""),
      JG_FIELD(CalibrationRun, "calibration_j", joules, "J"),
      JG_FIELD(CalibrationRun, "calibration_net_j", net_joules, "J"),
      JG_FIELD(CalibrationRun, "calibration_s", seconds, "s"),
      JG_FIELD(CalibrationRun, "card", card, ""),
  };
  return f;
}

const Fields<IdleWindow>& idle_window_fields() {
  static const Fields<IdleWindow> f{
      JG_FIELD(IdleWindow, "idle_w", watts, "W"),
      JG_FIELD(IdleWindow, "idle_s", seconds, "s"),
      JG_FIELD(IdleWindow, "other_cpu_percent", other_cpu, "%"),
  };
  return f;
}

const Fields<NodeRecord>& node_fields() {
  static const Fields<NodeRecord> f{
      JG_FIELD(NodeRecord, "name", name, ""),
      JG_FIELD(NodeRecord, "leader_rank", leader_rank, ""),
      JG_FIELD(NodeRecord, "replica", replica, ""),
      JG_FIELD(NodeRecord, "session", session, ""),
      JG_FIELD(NodeRecord, "measured_utc", measured_utc, ""),
      JG_FIELD(NodeRecord, "job", job, ""),
      JG_FIELD(NodeRecord, "devices", devices, ""),
      JG_FIELD(NodeRecord, "energy_method", energy_method, ""),
      JG_FIELD(NodeRecord, "warnings", warnings, ""),
      JG_FIELD(NodeRecord, "idle_w", idle_w, "W"),
      JG_FIELD(NodeRecord, "idle_s", idle_s, "s"),
      JG_FIELD(NodeRecord, "worker_ranks", worker_ranks, ""),
      JG_FIELD(NodeRecord, "other_cpu_outside_job", other_cpu_outside_job, ""),
      computed<NodeRecord>("idle_spread", "", [](const NodeRecord& n) { return n.idle_spread(); }),
      computed<NodeRecord>("idle_other_cpu_percent", "%", [](const NodeRecord& n) { return n.idle_other_cpu(); }),
      JG_FIELD(NodeRecord, "calibration_steps", calibration_steps, ""),
      JG_FIELD(NodeRecord, "calibration_j", calibration_j, "J")
          .known_when([](const NodeRecord& n) { return n.calibration_steps > 0; }),
      JG_FIELD(NodeRecord, "calibration_net_j", calibration_net_j, "J"),
      JG_FIELD(NodeRecord, "calibration_s", calibration_s, "s"),
      JG_FIELD(NodeRecord, "calibration_method", calibration_method, ""),
      computed<NodeRecord>("calibration_spread", "", [](const NodeRecord& n) { return n.calibration_spread(); }),
      // In JSON only: the results file keeps them in /calibrations.
      list_field("calibration_runs", &NodeRecord::calibration_runs, calibration_run_fields),
      list_field("idle_windows", &NodeRecord::idle_windows, idle_window_fields),
  };
  return f;
}

namespace {
bool fine_tuning(const CellRow& c) { return c.role != RoleValue::scratch; }
bool imported(const CellRow& c) { return !c.model.empty(); }
}  // namespace

const Fields<CellRow>& cell_row_fields() {
  static const Fields<CellRow> f{
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
      JG_FIELD(CellRow, "selection", selection, ""),
      JG_FIELD(CellRow, "classes", classes, ""),
      JG_FIELD(CellRow, "seed", seed, ""),
      JG_FIELD(CellRow, "status", status, ""),
      JG_FIELD(CellRow, "attempts", attempts, ""),
      // Only fine-tuning's cells have them: a plan's JSON leaves them out of the others.
      JG_FIELD(CellRow, "role", role, "").optional_when(fine_tuning),
      JG_FIELD(CellRow, "depends_on", depends_on, "").optional_when(fine_tuning),
      JG_FIELD(CellRow, "freeze", freeze, "").optional_when(fine_tuning),
      // Only imported models' cells: "torchscript", and the file's FNV-1a-64.
      JG_FIELD(CellRow, "model", model, "").optional_when(imported),
      // How the model is given (built-in, torchscript, command), for h5py and
      // the reports: written, never read back (`model` says it).
      make_field<CellRow>(
          "kind", "", [](const CellRow& c) { return c.model.empty() ? std::string("built-in") : c.model; },
          [](CellRow&, auto) {}),
      JG_FIELD(CellRow, "model_hash", model_hash, "").optional_when(imported),
  };
  return f;
}

const Fields<StudyMeta>& meta_fields() {
  static const Fields<StudyMeta> f{
      JG_FIELD(StudyMeta, "schema_version", schema_version, ""),
      JG_FIELD(StudyMeta, "program_version", program_version, ""),
      JG_FIELD(StudyMeta, "study", study, ""),
      JG_FIELD(StudyMeta, "spec_file", spec_file, ""),
      JG_FIELD(StudyMeta, "grid_hash", grid_hash, ""),
      JG_FIELD(StudyMeta, "study_id", study_id, ""),
      JG_FIELD(StudyMeta, "dataset", dataset, ""),
      JG_FIELD(StudyMeta, "max_attempts", max_attempts, ""),
      JG_FIELD(StudyMeta, "status", status, ""),
      JG_FIELD(StudyMeta, "created_utc", created_utc, ""),
      JG_FIELD(StudyMeta, "updated_utc", updated_utc, ""),
      JG_FIELD(StudyMeta, "job_ids", job_ids, ""),
      JG_FIELD(StudyMeta, "sources", sources, ""),
      JG_FIELD(StudyMeta, "normalise_to", normalise_to, ""),
      JG_FIELD(StudyMeta, "report_energy", report_energy, ""),
      JG_FIELD(StudyMeta, "overtraining_a", overtraining_a, ""),
      JG_FIELD(StudyMeta, "overtraining_b", overtraining_b, ""),
      JG_FIELD(StudyMeta, "normalise_to_j", normalise_to_j, "J"),
      JG_FIELD(StudyMeta, "carbon_g_per_kwh", carbon_g_per_kwh, "g/kWh"),
      JG_FIELD(StudyMeta, "carbon_nodes", carbon_nodes, ""),
      JG_FIELD(StudyMeta, "spec_text", spec_text, ""),
  };
  return f;
}

}  // namespace joulegrid::records
