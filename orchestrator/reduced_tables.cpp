#include "orchestrator/reduced_tables.hpp"

#include "io/h5/h5.hpp"
#include "io/store/columns.hpp"
#include "orchestrator/reduce.hpp"

namespace joulegrid {

namespace {

using store::Field;

const std::vector<Field<ModelRow>>& model_fields() {
  static const std::vector<Field<ModelRow>> f{
      JG_FIELD(ModelRow, "dataset", dataset, ""), JG_FIELD(ModelRow, "architecture", architecture, ""),
      JG_FIELD(ModelRow, "size", size, ""), JG_FIELD(ModelRow, "criterion", criterion, ""),
      JG_FIELD(ModelRow, "setup", setup, ""), JG_FIELD(ModelRow, "runs", runs, ""),
      JG_FIELD(ModelRow, "epochs", epochs, ""), JG_FIELD(ModelRow, "accuracy", accuracy, ""),
      JG_FIELD(ModelRow, "energy_j", energy_j, "J"), JG_FIELD(ModelRow, "normalised_energy_j", energy_norm_j, "J"),
      JG_FIELD(ModelRow, "efficiency_per_j", efficiency, "1/J"),
      JG_FIELD(ModelRow, "normalised_efficiency_per_j", efficiency_norm, "1/J"),
      JG_FIELD(ModelRow, "energy_method", energy_method, "")};
  return f;
}

const std::vector<Field<CriterionRow>>& criterion_fields() {
  static const std::vector<Field<CriterionRow>> f{
      JG_FIELD(CriterionRow, "dataset", dataset, ""), JG_FIELD(CriterionRow, "architecture", architecture, ""),
      JG_FIELD(CriterionRow, "criterion", criterion, ""), JG_FIELD(CriterionRow, "setup", setup, ""),
      JG_FIELD(CriterionRow, "sizes", sizes, ""), JG_FIELD(CriterionRow, "efficiency_per_j", efficiency, "1/J"),
      JG_FIELD(CriterionRow, "normalised_efficiency_per_j", efficiency_norm, "1/J")};
  return f;
}

const std::vector<Field<ArchitectureRow>>& architecture_fields() {
  static const std::vector<Field<ArchitectureRow>> f{
      JG_FIELD(ArchitectureRow, "node", node, ""),  // by_node only
      JG_FIELD(ArchitectureRow, "dataset", dataset, ""), JG_FIELD(ArchitectureRow, "architecture", architecture, ""),
      JG_FIELD(ArchitectureRow, "setup", setup, ""), JG_FIELD(ArchitectureRow, "criteria", criteria, ""),
      JG_FIELD(ArchitectureRow, "efficiency_per_j", efficiency, "1/J"),
      JG_FIELD(ArchitectureRow, "normalised_efficiency_per_j", efficiency_norm, "1/J")};
  return f;
}

const std::vector<Field<RatioRow>>& ratio_fields() {
  static const std::vector<Field<RatioRow>> f{
      JG_FIELD(RatioRow, "kind", kind, ""), JG_FIELD(RatioRow, "within", within, ""),
      JG_FIELD(RatioRow, "numerator", numerator, ""), JG_FIELD(RatioRow, "denominator", denominator, ""),
      JG_FIELD(RatioRow, "ratio", ratio, ""), JG_FIELD(RatioRow, "normalised_ratio", ratio_norm, "")};
  return f;
}

const std::vector<Field<OvertrainingRow>>& overtraining_fields() {
  static const std::vector<Field<OvertrainingRow>> f{
      JG_FIELD(OvertrainingRow, "cell_id", cell_id, ""), JG_FIELD(OvertrainingRow, "dataset", dataset, ""),
      JG_FIELD(OvertrainingRow, "architecture", architecture, ""), JG_FIELD(OvertrainingRow, "size", size, ""),
      JG_FIELD(OvertrainingRow, "fold", fold, ""), JG_FIELD(OvertrainingRow, "epoch_a", epoch_a, ""),
      JG_FIELD(OvertrainingRow, "epoch_b", epoch_b, ""), JG_FIELD(OvertrainingRow, "A", gain_a, ""),
      JG_FIELD(OvertrainingRow, "B", gap_growth_b, ""), JG_FIELD(OvertrainingRow, "overtrained", overtrained, "")};
  return f;
}

template <class Row>
void table(hid_t parent, const char* name, const std::vector<Field<Row>>& fields, const std::vector<Row>& rows) {
  h5::Handle g(h5::check(H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         std::string("cannot create /reduced/") + name, "results file"));
  store::write_table(g.id(), fields, rows, "results file");
}

}  // namespace

ResultsStore::ReducedWriter reduced_writer() {
  return [](hid_t group, const StudyResults& results) {
    const Reduction red = reduce(results);
    store::write_text_column(group, "energy_basis", {red.energy}, "results file");
    store::write_text_column(group, "energy_method", {red.energy_method}, "results file");
    store::write_text_column(group, "normalised_to", {red.reference}, "results file");
    table(group, "models", model_fields(), red.models);
    table(group, "criteria", criterion_fields(), red.criteria);
    table(group, "architectures", architecture_fields(), red.architectures);
    table(group, "by_node", architecture_fields(), red.by_node);
    table(group, "ratios", ratio_fields(), red.ratios);
    table(group, "overtraining", overtraining_fields(), red.overtraining);
  };
}

}  // namespace joulegrid
