// `--format csv` and `--format csv-epochs`: tidy tables for pandas and R,
// their columns the records' field names (io/records/schema.hpp).

#include <cmath>
#include <cstdio>
#include <ostream>

#include "io/records/schema.hpp"
#include "io/report/report.hpp"

namespace joulegrid {

namespace {

using records::FieldKind;
using records::Fields;

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// NaN (not recorded) is an empty cell.
std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

template <class Row>
std::string csv_cell(const records::Field<Row>& f, const Row& row) {
  switch (f.kind) {
    case FieldKind::real: return csv_number(f.get_real(row));
    case FieldKind::integer:
    case FieldKind::boolean: return std::to_string(f.get_integer(row));
    case FieldKind::text: return csv_text(f.get_text(row));
    case FieldKind::object: break;
  }
  return "";
}

template <class Row>
Fields<Row> csv_columns(const Fields<Row>& fields) {
  Fields<Row> out;
  for (const auto& f : fields)
    if (f.csv && f.kind != FieldKind::object && f.written) out.push_back(f);
  return out;
}

// One line of a table that joins several records: each part is its fields
// and the row they read.
struct Line {
  std::string text;
  template <class Row>
  Line& add(const Fields<Row>& fields, const Row& row) {
    for (const auto& f : fields) text += (text.empty() ? "" : ",") + csv_cell(f, row);
    return *this;
  }
};

template <class Row>
std::string header(const Fields<Row>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "" : ",") + f.name;
  return s;
}

}  // namespace

void write_csv(const Reduction& red, std::ostream& out) {
  const auto columns = csv_columns(records::cell_result_fields());
  out << header(columns) << '\n';
  for (const auto& c : red.cells) out << Line().add(columns, c).text << '\n';
}

// One row per epoch of every settled attempt: its cell's axes, the attempt,
// the epoch, and the model's size.
void write_csv_epochs(const Reduction& red, std::ostream& out) {
  const auto cell = records::pick(records::cell_result_fields(),
                                  {"cell", "id", "dataset", "architecture", "size", "criterion", "fold", "repeat"});
  const auto attempt = records::pick(records::run_fields(), {"replica", "attempt", "node"});
  const auto epoch = records::pick(
      records::epoch_fields(),
      {"epoch", "partial", "batches", "train_samples", "eval_samples", "loss", "train_acc", "val_acc", "test_acc",
       "train_s", "eval_s", "train_j", "eval_j", "train_net_j", "eval_net_j", "train_cpu_j", "train_ram_j",
       "train_gpu_j", "eval_cpu_j", "eval_ram_j", "eval_gpu_j", "cumulative_j", "efficiency_per_j", "energy_method"});
  const auto model = records::pick(records::run_fields(), {"parameters", "flops_per_sample"});
  const auto utilisation = records::pick(records::epoch_fields(),
                                         {"train_gpu_util_percent", "train_cpu_util_percent", "eval_gpu_util_percent",
                                          "eval_cpu_util_percent"});
  out << header(cell) << ',' << header(attempt) << ',' << header(epoch) << ',' << header(model) << ','
      << header(utilisation) << '\n';
  for (const auto& c : red.cells) {
    if (!c.run) continue;
    for (const auto& e : c.run->epoch_records)
      out << Line().add(cell, c).add(attempt, *c.run).add(epoch, e).add(model, *c.run).add(utilisation, e).text
          << '\n';
  }
}

}  // namespace joulegrid
