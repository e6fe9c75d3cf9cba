// The field lists of the reduction's tables: what the reports' CSV and JSON
// and the results file's /reduced group hold, each name once.

#include "io/records/schema.hpp"

namespace joulegrid::records {

namespace {
bool done(const CellResult& c) { return c.status == StatusValue::done; }
}  // namespace

const Fields<CellResult>& cell_result_fields() {
  static const Fields<CellResult> f{
      JG_FIELD(CellResult, "cell", index, ""),
      JG_FIELD(CellResult, "id", id, ""),
      JG_FIELD(CellResult, "dataset", dataset, ""),
      JG_FIELD(CellResult, "architecture", architecture, ""),
      JG_FIELD(CellResult, "kind", kind, ""),
      JG_FIELD(CellResult, "size", size, ""),
      JG_FIELD(CellResult, "criterion", criterion, ""),
      JG_FIELD(CellResult, "fold", fold, ""),
      JG_FIELD(CellResult, "repeat", repeat, ""),
      JG_FIELD(CellResult, "status", status, ""),
      JG_FIELD(CellResult, "stop_reason", stop_reason, ""),
      JG_FIELD(CellResult, "attempts", attempts, ""),
      JG_FIELD(CellResult, "epochs", epochs, ""),
      JG_FIELD(CellResult, "test_acc", accuracy, ""),
      JG_FIELD(CellResult, "energy_j", energy_j, "J").known_when(done),
      JG_FIELD(CellResult, "normalised_energy_j", energy_norm_j, "J"),
      JG_FIELD(CellResult, "efficiency_per_j", efficiency, "1/J").known_when(done),
      JG_FIELD(CellResult, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
      JG_FIELD(CellResult, "train_j_per_sample", train_j_per_sample, "J"),
      JG_FIELD(CellResult, "eval_j_per_sample", eval_j_per_sample, "J"),
      JG_FIELD(CellResult, "energy_basis", energy_basis, ""),
      JG_FIELD(CellResult, "energy_method", energy_method, ""),
      JG_FIELD(CellResult, "node", node, ""),
      JG_FIELD(CellResult, "net_reliable", net_reliable, ""),
      JG_FIELD(CellResult, "gpu", gpu, ""),
      JG_FIELD(CellResult, "gpu_shared", gpu_shared, ""),
      JG_FIELD(CellResult, "gpu_unmetered", gpu_unmetered, ""),
      JG_FIELD(CellResult, "segments", segments, ""),
      JG_FIELD(CellResult, "failure", failure, ""),
      JG_FIELD(CellResult, "detail", detail, "").not_in_csv(),
      JG_FIELD(CellResult, "role", role, ""),
      JG_FIELD(CellResult, "selection", selection, ""),
      JG_FIELD(CellResult, "gpu_util_percent", gpu_util, "%"),
      JG_FIELD(CellResult, "cpu_util_percent", cpu_util, "%"),
  };
  return f;
}

const Fields<ModelRow>& model_fields() {
  static const Fields<ModelRow> f{
      JG_FIELD(ModelRow, "dataset", dataset, ""),
      JG_FIELD(ModelRow, "architecture", architecture, ""),
      JG_FIELD(ModelRow, "kind", kind, ""),
      JG_FIELD(ModelRow, "init", init, ""),
      JG_FIELD(ModelRow, "size", size, ""),
      JG_FIELD(ModelRow, "criterion", criterion, ""),
      JG_FIELD(ModelRow, "setup", setup, ""),
      JG_FIELD(ModelRow, "runs", runs, ""),
      JG_FIELD(ModelRow, "met", met, ""),
      JG_FIELD(ModelRow, "epochs", epochs, ""),
      JG_FIELD(ModelRow, "accuracy", accuracy, ""),
      JG_FIELD(ModelRow, "energy_j", energy_j, "J"),
      JG_FIELD(ModelRow, "normalised_energy_j", energy_norm_j, "J"),
      JG_FIELD(ModelRow, "efficiency_per_j", efficiency, "1/J"),
      JG_FIELD(ModelRow, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
      JG_FIELD(ModelRow, "energy_sd", energy_sd, "J"),
      JG_FIELD(ModelRow, "accuracy_sd", accuracy_sd, ""),
      JG_FIELD(ModelRow, "train_j_per_sample", train_j_per_sample, "J"),
      JG_FIELD(ModelRow, "eval_j_per_sample", eval_j_per_sample, "J"),
      JG_FIELD(ModelRow, "gpu_util_percent", gpu_util, "%"),
      JG_FIELD(ModelRow, "cpu_util_percent", cpu_util, "%"),
      JG_FIELD(ModelRow, "energy_method", energy_method, ""),
      JG_FIELD(ModelRow, "net_reliable", net_reliable, ""),
      JG_FIELD(ModelRow, "gpu_shared_runs", gpu_shared, ""),
      JG_FIELD(ModelRow, "gpu_unmetered_runs", gpu_unmetered, ""),
  };
  return f;
}

namespace {

// What makes a figure less certain (Doubts): the same four columns on every
// row above the runs, named as the models' are.
const Fields<Doubts>& doubt_fields() {
  static const Fields<Doubts> f{
      JG_FIELD(Doubts, "energy_method", energy_method, ""),
      JG_FIELD(Doubts, "net_reliable", net_reliable, ""),
      JG_FIELD(Doubts, "gpu_shared_runs", gpu_shared, ""),
      JG_FIELD(Doubts, "gpu_unmetered_runs", gpu_unmetered, ""),
  };
  return f;
}

}  // namespace

const Fields<CriterionRow>& criterion_row_fields() {
  static const Fields<CriterionRow> f = concat<CriterionRow>({
      {
        JG_FIELD(CriterionRow, "dataset", dataset, ""),
        JG_FIELD(CriterionRow, "architecture", architecture, ""),
      JG_FIELD(CriterionRow, "kind", kind, ""),
        JG_FIELD(CriterionRow, "criterion", criterion, ""),
        JG_FIELD(CriterionRow, "setup", setup, ""),
        JG_FIELD(CriterionRow, "sizes", sizes, ""),
        JG_FIELD(CriterionRow, "grid_sizes", grid_sizes, ""),
        JG_FIELD(CriterionRow, "runs", runs, ""),
        JG_FIELD(CriterionRow, "met", met, ""),
        JG_FIELD(CriterionRow, "selection", selection, ""),
        computed<CriterionRow>("complete", "", [](const CriterionRow& c) { return c.complete(); }),
        JG_FIELD(CriterionRow, "efficiency_per_j", efficiency, "1/J"),
        JG_FIELD(CriterionRow, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
      },
      flattened("", &CriterionRow::doubts, doubt_fields()),
  });
  return f;
}

const Fields<ArchitectureRow>& architecture_fields() {
  static const Fields<ArchitectureRow> f = concat<ArchitectureRow>({
      {
        JG_FIELD(ArchitectureRow, "dataset", dataset, ""),
        JG_FIELD(ArchitectureRow, "architecture", architecture, ""),
      JG_FIELD(ArchitectureRow, "kind", kind, ""),
        JG_FIELD(ArchitectureRow, "setup", setup, ""),
        JG_FIELD(ArchitectureRow, "criteria", criteria, ""),
        JG_FIELD(ArchitectureRow, "grid_criteria", grid_criteria, ""),
        JG_FIELD(ArchitectureRow, "complete", complete, ""),
        JG_FIELD(ArchitectureRow, "efficiency_per_j", efficiency, "1/J"),
        JG_FIELD(ArchitectureRow, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
      },
      flattened("", &ArchitectureRow::doubts, doubt_fields()),
  });
  return f;
}

const Fields<ArchitectureRow>& by_node_fields() {
  static const Fields<ArchitectureRow> f =
      concat<ArchitectureRow>({{JG_FIELD(ArchitectureRow, "node", node, "")}, architecture_fields()});
  return f;
}

const Fields<RatioRow>& ratio_fields() {
  static const Fields<RatioRow> f = concat<RatioRow>({
      {
        JG_FIELD(RatioRow, "kind", kind, ""),
        JG_FIELD(RatioRow, "within", within, ""),
        JG_FIELD(RatioRow, "numerator", numerator, ""),
        JG_FIELD(RatioRow, "denominator", denominator, ""),
        JG_FIELD(RatioRow, "ratio", ratio, ""),
        JG_FIELD(RatioRow, "normalised_ratio", ratio_norm, ""),
        JG_FIELD(RatioRow, "complete", complete, ""),
      },
      flattened("", &RatioRow::doubts, doubt_fields()),
  });
  return f;
}

const Fields<OvertrainingRow>& overtraining_fields() {
  static const Fields<OvertrainingRow> f{
      JG_FIELD(OvertrainingRow, "cell_id", cell_id, ""),
      JG_FIELD(OvertrainingRow, "dataset", dataset, ""),
      JG_FIELD(OvertrainingRow, "architecture", architecture, ""),
      JG_FIELD(OvertrainingRow, "kind", kind, ""),
      JG_FIELD(OvertrainingRow, "size", size, ""),
      JG_FIELD(OvertrainingRow, "fold", fold, ""),
      JG_FIELD(OvertrainingRow, "epoch_a", epoch_a, ""),
      JG_FIELD(OvertrainingRow, "epoch_b", epoch_b, ""),
      JG_FIELD(OvertrainingRow, "A", gain_a, ""),
      JG_FIELD(OvertrainingRow, "B", gap_growth_b, ""),
      JG_FIELD(OvertrainingRow, "overtrained", overtrained, ""),
      JG_FIELD(OvertrainingRow, "learned", learned, ""),
      JG_FIELD(OvertrainingRow, "train_accuracy", train_accuracy, ""),
      computed<OvertrainingRow>("verdict", "", [](const OvertrainingRow& o) { return o.verdict(); }),
  };
  return f;
}

const Fields<IntervalRow>& interval_fields() {
  static const Fields<IntervalRow> f = concat<IntervalRow>({
      {
        JG_FIELD(IntervalRow, "dataset", dataset, ""),
        JG_FIELD(IntervalRow, "architecture", architecture, ""),
        JG_FIELD(IntervalRow, "kind", kind, ""),
        JG_FIELD(IntervalRow, "setup", setup, ""),
        JG_FIELD(IntervalRow, "runs", runs, ""),
        JG_FIELD(IntervalRow, "efficiency_per_j", efficiency, "1/J"),
        JG_FIELD(IntervalRow, "low_per_j", low, "1/J"),
        JG_FIELD(IntervalRow, "high_per_j", high, "1/J"),
        JG_FIELD(IntervalRow, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
        JG_FIELD(IntervalRow, "normalised_low_per_j", low_norm, "1/J"),
        JG_FIELD(IntervalRow, "normalised_high_per_j", high_norm, "1/J"),
      },
      flattened("", &IntervalRow::doubts, doubt_fields()),
  });
  return f;
}

const Fields<ComparisonRow>& comparison_fields() {
  static const Fields<ComparisonRow> f = concat<ComparisonRow>({
      {
        JG_FIELD(ComparisonRow, "dataset", dataset, ""),
        JG_FIELD(ComparisonRow, "setup", setup, ""),
        JG_FIELD(ComparisonRow, "numerator", numerator, ""),
        JG_FIELD(ComparisonRow, "denominator", denominator, ""),
        JG_FIELD(ComparisonRow, "numerator_kind", numerator_kind, ""),
        JG_FIELD(ComparisonRow, "denominator_kind", denominator_kind, ""),
        JG_FIELD(ComparisonRow, "basis", basis, ""),
        JG_FIELD(ComparisonRow, "ratio", ratio, ""),
        JG_FIELD(ComparisonRow, "low", low, ""),
        JG_FIELD(ComparisonRow, "high", high, ""),
        JG_FIELD(ComparisonRow, "n_a", n_a, ""),
        JG_FIELD(ComparisonRow, "n_b", n_b, ""),
        JG_FIELD(ComparisonRow, "pairs", pairs, ""),
        JG_FIELD(ComparisonRow, "dropped_pairs", dropped_pairs, ""),
        JG_FIELD(ComparisonRow, "tied_pairs", tied_pairs, ""),
        JG_FIELD(ComparisonRow, "test_pairs", test_pairs, ""),
        JG_FIELD(ComparisonRow, "test", test, ""),
        JG_FIELD(ComparisonRow, "w", w, ""),
        JG_FIELD(ComparisonRow, "z", z, ""),
        JG_FIELD(ComparisonRow, "p", p, ""),
        JG_FIELD(ComparisonRow, "exact", exact, ""),
        JG_FIELD(ComparisonRow, "complete", complete, ""),
      },
      flattened("", &ComparisonRow::doubts, doubt_fields()),
  });
  return f;
}

const Fields<StepAccuracyRow>& step_accuracy_fields() {
  static const Fields<StepAccuracyRow> f{
      JG_FIELD(StepAccuracyRow, "architecture", architecture, ""),
      JG_FIELD(StepAccuracyRow, "kind", kind, ""),
      JG_FIELD(StepAccuracyRow, "runs", runs, ""),
      JG_FIELD(StepAccuracyRow, "at_epoch", mean_at_epoch, ""),
      JG_FIELD(StepAccuracyRow, "energy_error", energy_error, ""),
      JG_FIELD(StepAccuracyRow, "seconds_error", seconds_error, ""),
  };
  return f;
}

const Fields<SetupRow>& setup_fields() {
  static const Fields<SetupRow> f{
      JG_FIELD(SetupRow, "dataset", dataset, ""),
      JG_FIELD(SetupRow, "architecture", architecture, ""),
      JG_FIELD(SetupRow, "kind", kind, ""),
      JG_FIELD(SetupRow, "criterion", criterion, ""),
      JG_FIELD(SetupRow, "setup", setup, ""),
      JG_FIELD(SetupRow, "runs", runs, ""),
      JG_FIELD(SetupRow, "reached", reached, ""),
      JG_FIELD(SetupRow, "energy_j", energy_j, "J"),
      JG_FIELD(SetupRow, "epochs", epochs, ""),
      JG_FIELD(SetupRow, "saving", saving, ""),
      JG_FIELD(SetupRow, "best", best, ""),
  };
  return f;
}

const Fields<FinetuneRow>& finetune_fields() {
  static const Fields<FinetuneRow> f{
      JG_FIELD(FinetuneRow, "dataset", dataset, ""),
      JG_FIELD(FinetuneRow, "architecture", architecture, ""),
      JG_FIELD(FinetuneRow, "kind", kind, ""),
      JG_FIELD(FinetuneRow, "size", size, ""),
      JG_FIELD(FinetuneRow, "criterion", criterion, ""),
      JG_FIELD(FinetuneRow, "setup", setup, ""),
      JG_FIELD(FinetuneRow, "freeze", freeze, ""),
      JG_FIELD(FinetuneRow, "pretrain_dataset", pretrain_dataset, ""),
      JG_FIELD(FinetuneRow, "pretrain_criterion", pretrain_criterion, ""),
      JG_FIELD(FinetuneRow, "scratch_runs", scratch_runs, ""),
      JG_FIELD(FinetuneRow, "finetune_runs", finetune_runs, ""),
      JG_FIELD(FinetuneRow, "pretrain_runs", pretrain_runs, ""),
      JG_FIELD(FinetuneRow, "scratch_j", scratch_j, "J"),
      JG_FIELD(FinetuneRow, "finetune_j", finetune_j, "J"),
      JG_FIELD(FinetuneRow, "pretrain_j", pretrain_j, "J"),
      JG_FIELD(FinetuneRow, "scratch_accuracy", scratch_acc, ""),
      JG_FIELD(FinetuneRow, "finetune_accuracy", finetune_acc, ""),
      JG_FIELD(FinetuneRow, "saving", saving, ""),
      JG_FIELD(FinetuneRow, "saving_with_pretraining", saving_with_pretraining, ""),
      JG_FIELD(FinetuneRow, "break_even_runs", break_even, ""),
  };
  return f;
}

const Fields<EmissionRow>& emission_fields() {
  static const Fields<EmissionRow> f{
      JG_FIELD(EmissionRow, "kind", kind, ""),
      JG_FIELD(EmissionRow, "name", name, ""),
      JG_FIELD(EmissionRow, "attempts", runs, ""),
      JG_FIELD(EmissionRow, "energy_j", energy_j, "J"),
      JG_FIELD(EmissionRow, "g_per_kwh", g_per_kwh, "g/kWh"),
      JG_FIELD(EmissionRow, "grams_co2e", grams, "g"),
  };
  return f;
}

const Fields<NodeRow>& node_row_fields() {
  static const Fields<NodeRow> f = concat<NodeRow>({
      pick(flattened("", &NodeRow::node, node_fields()),
           {"name", "session", "measured_utc", "job", "energy_method", "devices", "idle_w", "calibration_j",
            "calibration_s", "warnings", "worker_ranks"}),
      {JG_FIELD(NodeRow, "e_ref_j", e_ref_j, "J"), JG_FIELD(NodeRow, "e_ref_spread", e_ref_spread, ""),
       JG_FIELD(NodeRow, "normalisation_factor", factor, ""), JG_FIELD(NodeRow, "net_reliable", net_reliable, ""),
       JG_FIELD(NodeRow, "net_doubt", net_doubt, ""), JG_FIELD(NodeRow, "net_phases", net_phases, ""),
       JG_FIELD(NodeRow, "net_phases_below_idle", net_phases_below_idle, ""), JG_FIELD(NodeRow, "measurements", measurements, ""),
       JG_FIELD(NodeRow, "e_ref_change", e_ref_change, ""),
       JG_FIELD(NodeRow, "overhead_s", overhead_s, "s"), JG_FIELD(NodeRow, "overhead_j", overhead_j, "J"),
       JG_FIELD(NodeRow, "attempts", attempts, ""), JG_FIELD(NodeRow, "warm_attempts", warm_attempts, "")},
  });
  return f;
}

const Fields<StudySummary>& study_summary_fields() {
  static const Fields<StudySummary> f{
      JG_FIELD(StudySummary, "name", name, ""),
      JG_FIELD(StudySummary, "status", status, ""),
      JG_FIELD(StudySummary, "cells", cells, ""),
      JG_FIELD(StudySummary, "done", done, ""),
      JG_FIELD(StudySummary, "failed", failed, ""),
      JG_FIELD(StudySummary, "pending", pending, ""),
      JG_FIELD(StudySummary, "gpu_shared_runs", gpu_shared_runs, ""),
      JG_FIELD(StudySummary, "gpu_unmetered_runs", gpu_unmetered_runs, ""),
      JG_FIELD(StudySummary, "segmented_runs", segmented_runs, ""),
      JG_FIELD(StudySummary, "imported_models", imported_models, ""),
      JG_FIELD(StudySummary, "job_ids", job_ids, ""),
      JG_FIELD(StudySummary, "merged_from", merged_from, ""),
  };
  return f;
}

const Fields<Reduction>& energy_summary_fields() {
  static const Fields<Reduction> f{
      JG_FIELD(Reduction, "energy_basis", energy, ""),
      computed<Reduction>("unit", "", [](const Reduction&) { return std::string("J"); }),
      JG_FIELD(Reduction, "energy_method", energy_method, ""),
      computed<Reduction>("method_in_words", "",
                          [](const Reduction& r) { return method_in_words(r.energy_method); }),
      computed<Reduction>("measured", "", [](const Reduction& r) { return measured(r.energy_method); }),
      JG_FIELD(Reduction, "normalised_to", reference, ""),
  };
  return f;
}

const Fields<Reduction>& emission_summary_fields() {
  static const Fields<Reduction> f{
      JG_FIELD(Reduction, "grams_co2e", emissions_g, "g"),
      computed<Reduction>("method", "", [](const Reduction&) {
        return std::string("estimated: gross energy of every attempt × the spec's carbon intensity");
      }),
  };
  return f;
}

}  // namespace joulegrid::records
