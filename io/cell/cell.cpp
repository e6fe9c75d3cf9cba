#include "io/cell/cell.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace joulegrid {

using nlohmann::json;

namespace {

// A number that may be absent (not recorded): NaN then.
double number_or_nan(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

json criterion_json(const CriterionSpec& c) {
  return json{{"kind", c.kind},         {"name", c.name},       {"epochs", c.epochs},
              {"target", c.target},     {"split", c.split},     {"patience", c.patience},
              {"min_delta", c.min_delta}, {"budget_j", c.budget_j}, {"check", c.check},
              {"max_epochs", c.max_epochs}};
}

CriterionSpec criterion_from(const json& j) {
  CriterionSpec c;
  j.at("kind").get_to(c.kind);
  j.at("name").get_to(c.name);
  j.at("epochs").get_to(c.epochs);
  j.at("target").get_to(c.target);
  j.at("split").get_to(c.split);
  j.at("patience").get_to(c.patience);
  j.at("min_delta").get_to(c.min_delta);
  j.at("budget_j").get_to(c.budget_j);
  j.at("check").get_to(c.check);
  j.at("max_epochs").get_to(c.max_epochs);
  return c;
}

json data_json(const DataSpec& d) {
  return json{{"format", d.format},
              {"path", d.path},
              {"name", d.name},
              {"classes", d.classes},
              {"split", d.split},
              {"folds", d.folds},
              {"validation_fraction", d.validation_fraction},
              {"subset_train", d.subset_train},
              {"subset_test", d.subset_test},
              {"normalization",
               {{"preset", d.normalization.preset},
                {"mean", d.normalization.mean},
                {"std", d.normalization.std}}}};
}

DataSpec data_from(const json& j) {
  DataSpec d;
  j.at("format").get_to(d.format);
  j.at("path").get_to(d.path);
  j.at("name").get_to(d.name);
  j.at("classes").get_to(d.classes);
  j.at("split").get_to(d.split);
  j.at("folds").get_to(d.folds);
  j.at("validation_fraction").get_to(d.validation_fraction);
  j.at("subset_train").get_to(d.subset_train);
  j.at("subset_test").get_to(d.subset_test);
  const json& n = j.at("normalization");
  n.at("preset").get_to(d.normalization.preset);
  n.at("mean").get_to(d.normalization.mean);
  n.at("std").get_to(d.normalization.std);
  return d;
}

// The training options that change the numbers (see cell_id).
json train_math_json(const TrainOptions& t) {
  const BayesOptions& b = t.bayes;
  return json{{"init", t.init},
              {"activation", t.activation},
              {"momentum", t.momentum},
              {"weight_decay", t.weight_decay},
              {"bayes",
               {{"beta", b.beta},
                {"prior_mu", b.prior_mu},
                {"prior_sigma", b.prior_sigma},
                {"posterior_mu", {b.posterior_mu_mean, b.posterior_mu_std}},
                {"posterior_rho", {b.posterior_rho_mean, b.posterior_rho_std}},
                {"train_ensemble", b.train_ensemble},
                {"test_ensemble", b.test_ensemble}}},
              {"mcdropout", {{"p", t.dropout.p}, {"test_passes", t.dropout.test_passes}}}};
}

json train_json(const TrainOptions& t) {
  json j = train_math_json(t);
  j["device"] = t.device;
  j["threads"] = t.threads;
  j["eval_batch_size"] = t.eval_batch_size;
  return j;
}

TrainOptions train_from(const json& j) {
  TrainOptions t;
  j.at("init").get_to(t.init);
  j.at("activation").get_to(t.activation);
  j.at("momentum").get_to(t.momentum);
  j.at("weight_decay").get_to(t.weight_decay);
  j.at("device").get_to(t.device);
  j.at("threads").get_to(t.threads);
  j.at("eval_batch_size").get_to(t.eval_batch_size);
  const json& b = j.at("bayes");
  b.at("beta").get_to(t.bayes.beta);
  b.at("prior_mu").get_to(t.bayes.prior_mu);
  b.at("prior_sigma").get_to(t.bayes.prior_sigma);
  t.bayes.posterior_mu_mean = b.at("posterior_mu").at(0);
  t.bayes.posterior_mu_std = b.at("posterior_mu").at(1);
  t.bayes.posterior_rho_mean = b.at("posterior_rho").at(0);
  t.bayes.posterior_rho_std = b.at("posterior_rho").at(1);
  b.at("train_ensemble").get_to(t.bayes.train_ensemble);
  b.at("test_ensemble").get_to(t.bayes.test_ensemble);
  j.at("mcdropout").at("p").get_to(t.dropout.p);
  j.at("mcdropout").at("test_passes").get_to(t.dropout.test_passes);
  return t;
}

}  // namespace

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

json cell_identity(const CellSpec& c) {
  json data = data_json(c.data);
  data.erase("path");
  json j{{"architecture", c.architecture}, {"size", c.size},
         {"criterion", criterion_json(c.criterion)}, {"fold", c.fold},
         {"batch_size", c.batch_size}, {"learning_rate", c.learning_rate},
         {"optimizer", c.optimizer}, {"repeat", c.repeat},
         {"experiment_seed", c.data_seed}, {"data", data},
         {"train", train_math_json(c.train)}};
  // Only when set: a grid without fine-tuning keeps the ids it always had.
  if (!c.role.empty()) j["finetune"] = {{"role", c.role}, {"depends_on", c.depends_on}, {"freeze", c.freeze}};
  return j;
}

std::string cell_id(const CellSpec& c) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a64(cell_identity(c).dump())));
  return hex;
}

void to_json(json& j, const CellSpec& c) {
  j = json{{"index", c.index},         {"id", c.id},
           {"study", c.study},         {"architecture", c.architecture},
           {"size", c.size},           {"criterion", criterion_json(c.criterion)},
           {"fold", c.fold},           {"batch_size", c.batch_size},
           {"learning_rate", c.learning_rate}, {"optimizer", c.optimizer},
           {"repeat", c.repeat},       {"data_seed", c.data_seed},
           {"seed", c.seed},           {"data", data_json(c.data)},
           {"train", train_json(c.train)}, {"timeout_s", c.timeout_s},
           {"attempt", c.attempt}};
  if (!c.role.empty())
    j["finetune"] = {{"role", c.role}, {"depends_on", c.depends_on}, {"freeze", c.freeze}, {"checkpoint", c.checkpoint}};
}

void from_json(const json& j, CellSpec& c) {
  j.at("index").get_to(c.index);
  j.at("id").get_to(c.id);
  j.at("study").get_to(c.study);
  j.at("architecture").get_to(c.architecture);
  j.at("size").get_to(c.size);
  c.criterion = criterion_from(j.at("criterion"));
  j.at("fold").get_to(c.fold);
  j.at("batch_size").get_to(c.batch_size);
  j.at("learning_rate").get_to(c.learning_rate);
  j.at("optimizer").get_to(c.optimizer);
  j.at("repeat").get_to(c.repeat);
  j.at("data_seed").get_to(c.data_seed);
  j.at("seed").get_to(c.seed);
  c.data = data_from(j.at("data"));
  c.train = train_from(j.at("train"));
  j.at("timeout_s").get_to(c.timeout_s);
  c.attempt = j.value("attempt", 1);
  if (j.contains("finetune")) {
    const json& f = j.at("finetune");
    f.at("role").get_to(c.role);
    f.at("depends_on").get_to(c.depends_on);
    f.at("freeze").get_to(c.freeze);
    f.at("checkpoint").get_to(c.checkpoint);
  }
}

std::pair<double, double> run_utilisation(const std::vector<EpochRecord>& epochs) {
  double gpu = 0, gpu_s = 0, cpu = 0, cpu_s = 0;
  auto add = [](double util, double s, double& sum, double& seconds) {
    if (std::isfinite(util) && s > 0) {
      sum += util * s;
      seconds += s;
    }
  };
  for (const auto& e : epochs) {
    add(e.train_energy.gpu_util, e.train_s, gpu, gpu_s);
    add(e.eval_energy.gpu_util, e.eval_s, gpu, gpu_s);
    add(e.train_energy.cpu_util, e.train_s, cpu, cpu_s);
    add(e.eval_energy.cpu_util, e.eval_s, cpu, cpu_s);
  }
  // Clamped: a weighted mean of 100s can come out a rounding error above 100.
  return {gpu_s > 0 ? std::clamp(gpu / gpu_s, 0.0, 100.0) : NAN, cpu_s > 0 ? std::clamp(cpu / cpu_s, 0.0, 100.0) : NAN};
}

void to_json(json& j, const EnergyReading& r) {
  j = json{{"joules", r.joules}, {"node_joules", r.node_joules}, {"net_joules", r.net_joules},
           {"cpu_j", r.cpu_j},   {"ram_j", r.ram_j},             {"gpu_j", r.gpu_j},
           {"method", r.method}};
  if (!r.disagreement.empty()) j["disagreement"] = r.disagreement;
  if (std::isfinite(r.gpu_util)) j["gpu_util"] = r.gpu_util;
  if (std::isfinite(r.cpu_util)) j["cpu_util"] = r.cpu_util;
}

void from_json(const json& j, EnergyReading& r) {
  r.joules = j.value("joules", 0.0);
  r.node_joules = j.value("node_joules", 0.0);
  r.net_joules = j.value("net_joules", 0.0);
  r.cpu_j = j.value("cpu_j", 0.0);
  r.ram_j = j.value("ram_j", 0.0);
  r.gpu_j = j.value("gpu_j", 0.0);
  r.method = j.value("method", std::string());
  r.disagreement = j.value("disagreement", std::string());
  r.gpu_util = number_or_nan(j, "gpu_util");
  r.cpu_util = number_or_nan(j, "cpu_util");
}

void to_json(json& j, const EpochRecord& e) {
  j = json{{"epoch", e.epoch},         {"loss", e.loss},
           {"train_acc", e.train_acc}, {"val_acc", e.val_acc},
           {"test_acc", e.test_acc},   {"train_s", e.train_s},
           {"eval_s", e.eval_s},       {"batches", e.batches},
           {"train_samples", e.train_samples}, {"eval_samples", e.eval_samples},
           {"partial", e.partial}};
  if (!e.train_energy.method.empty()) {
    j["train_energy"] = e.train_energy;
    j["eval_energy"] = e.eval_energy;
    j["train_j"] = e.train_energy.joules;
    j["eval_j"] = e.eval_energy.joules;
    j["energy_method"] = e.train_energy.method;
    j["cumulative_j"] = e.cumulative_j;
    j["efficiency_per_j"] = e.efficiency;
  }
}

// Reads both the child's epoch event (no energy yet) and a full record.
void from_json(const json& j, EpochRecord& e) {
  j.at("epoch").get_to(e.epoch);
  j.at("loss").get_to(e.loss);
  j.at("train_acc").get_to(e.train_acc);
  j.at("val_acc").get_to(e.val_acc);
  j.at("test_acc").get_to(e.test_acc);
  j.at("train_s").get_to(e.train_s);
  j.at("eval_s").get_to(e.eval_s);
  e.batches = j.value("batches", int64_t{0});
  e.train_samples = j.value("train_samples", int64_t{0});
  e.eval_samples = j.value("eval_samples", int64_t{0});
  e.partial = j.value("partial", false);
  if (j.contains("train_energy")) j.at("train_energy").get_to(e.train_energy);
  if (j.contains("eval_energy")) j.at("eval_energy").get_to(e.eval_energy);
  e.cumulative_j = j.value("cumulative_j", 0.0);
  e.efficiency = j.value("efficiency_per_j", 0.0);
}

void to_json(json& j, const RunResult& r) {
  j = json{{"cell_id", r.cell_id},       {"cell_index", r.cell_index},
           {"status", r.status},         {"stop_reason", r.stop_reason},
           {"detail", r.detail},         {"epochs", r.epochs},
           {"train_acc", r.train_acc},   {"val_acc", r.val_acc},
           {"test_acc", r.test_acc},     {"energy_j", r.energy_j},
           {"energy_method", r.energy_method}, {"efficiency_per_j", r.efficiency},
           {"parameters", r.parameters}, {"flops_per_sample", r.flops_per_sample},
           {"input_elements", r.input_elements},
           {"device", r.device},         {"init", r.init},
           {"seconds", r.seconds},       {"epoch_records", r.epoch_records},
           {"attempt", r.attempt},       {"settles_cell", r.settles_cell},
           {"node", r.node},             {"rank", r.rank},
           {"started_unix_s", r.started_unix_s}, {"replica", r.replica}};
  if (std::isfinite(r.gpu_util)) j["gpu_util"] = r.gpu_util;
  if (std::isfinite(r.cpu_util)) j["cpu_util"] = r.cpu_util;
  if (r.step_epoch > 0) {
    j["step_epoch"] = r.step_epoch;
    j["step_projected_j"] = r.step_projected_j;
    j["step_projected_s"] = r.step_projected_s;
  }
  if (!r.failure.empty()) j["failure"] = r.failure;
  if (!r.error_tail.empty()) j["error_tail"] = r.error_tail;
}

void from_json(const json& j, RunResult& r) {
  j.at("cell_id").get_to(r.cell_id);
  r.cell_index = j.value("cell_index", 0);
  j.at("status").get_to(r.status);
  r.stop_reason = j.value("stop_reason", std::string());
  r.detail = j.value("detail", std::string());
  r.failure = j.value("failure", std::string());
  r.epochs = j.value("epochs", 0);
  r.train_acc = j.value("train_acc", 0.0);
  r.val_acc = j.value("val_acc", 0.0);
  r.test_acc = j.value("test_acc", 0.0);
  r.energy_j = j.value("energy_j", 0.0);
  r.energy_method = j.value("energy_method", std::string());
  r.efficiency = j.value("efficiency_per_j", 0.0);
  r.parameters = j.value("parameters", int64_t{0});
  r.flops_per_sample = j.value("flops_per_sample", int64_t{0});
  r.input_elements = j.value("input_elements", int64_t{0});
  r.device = j.value("device", std::string());
  r.init = j.value("init", std::string());
  r.seconds = j.value("seconds", 0.0);
  r.gpu_util = number_or_nan(j, "gpu_util");
  r.cpu_util = number_or_nan(j, "cpu_util");
  r.step_epoch = j.value("step_epoch", 0);
  r.step_projected_j = j.value("step_projected_j", 0.0);
  r.step_projected_s = j.value("step_projected_s", 0.0);
  r.error_tail = j.value("error_tail", std::string());
  if (j.contains("epoch_records")) j.at("epoch_records").get_to(r.epoch_records);
  r.attempt = j.value("attempt", 1);
  r.settles_cell = j.value("settles_cell", false);
  r.node = j.value("node", std::string());
  r.rank = j.value("rank", 0);
  r.replica = j.value("replica", 0);
  r.started_unix_s = j.value("started_unix_s", 0.0);
}

}  // namespace joulegrid
