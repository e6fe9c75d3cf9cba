#pragma once
// Every record's one field list (fields.hpp). The journal, the wire, the
// results file's tables, the CSV and the reports' JSON are all written from
// these lists, so a name is spelled once: docs/results-file.md lists them,
// with the older names that still read.

#include "io/records/cell.hpp"
#include "io/records/fields.hpp"
#include "io/records/reduction.hpp"
#include "io/records/results.hpp"

namespace joulegrid::records {

// The cell as the child and the worker receive it; the fields marked
// identity are what its id hashes (cell_id).
const Fields<CriterionSpec>& criterion_fields();
const Fields<Normalization>& normalization_fields();
const Fields<DataSpec>& data_fields();
const Fields<BayesOptions>& bayes_fields();
const Fields<DropoutOptions>& dropout_fields();
const Fields<TrainOptions>& train_option_fields();
const Fields<CellSpec>& cell_spec_fields();

// What a run measured: the energy of one phase, an epoch, an attempt.
const Fields<EnergyReading>& energy_fields();
const Fields<EpochRecord>& epoch_fields();
const Fields<RunResult>& run_fields();
const Fields<RunSegment>& segment_fields();

// What the results file holds besides the runs.
const Fields<CalibrationRun>& calibration_run_fields();
const Fields<IdleWindow>& idle_window_fields();
const Fields<NodeRecord>& node_fields();
const Fields<CellRow>& cell_row_fields();
const Fields<StudyMeta>& meta_fields();

// The reduction's tables (reduction_schema.cpp): the reports and /reduced.
const Fields<CellResult>& cell_result_fields();
const Fields<ModelRow>& model_fields();
const Fields<CriterionRow>& criterion_row_fields();
const Fields<ArchitectureRow>& architecture_fields();
const Fields<ArchitectureRow>& by_node_fields();  // "node", then architecture_fields()
const Fields<RatioRow>& ratio_fields();
const Fields<OvertrainingRow>& overtraining_fields();
const Fields<IntervalRow>& interval_fields();
const Fields<ComparisonRow>& comparison_fields();
const Fields<StepAccuracyRow>& step_accuracy_fields();
const Fields<SetupRow>& setup_fields();
const Fields<FinetuneRow>& finetune_fields();
const Fields<EmissionRow>& emission_fields();
const Fields<NodeRow>& node_row_fields();
const Fields<StudySummary>& study_summary_fields();
const Fields<Reduction>& energy_summary_fields();    // the basis, method and reference of every figure
const Fields<Reduction>& emission_summary_fields();  // the study's emissions and how they were estimated

}  // namespace joulegrid::records
