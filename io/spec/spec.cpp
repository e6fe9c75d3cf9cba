#include "io/spec/spec.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <unistd.h>

#include "io/datasets/datasets.hpp"
#include "io/spec/command.hpp"
#include "vocabulary/fnv.hpp"
#include "io/spec/suggest.hpp"
#include "io/spec/toml_section.hpp"
#include "vocabulary/architectures.hpp"
#include "vocabulary/meter_sources.hpp"

namespace fs = std::filesystem;

namespace joulegrid {

std::string default_dataset_dir() {
  const char* env = std::getenv("JOULEGRID_FASHION_MNIST_DIR");
  return env && *env ? std::string(env) : std::string(kFashionMnistDir);
}

const std::vector<std::string>& known_architectures() {
  static const std::vector<std::string> names = Architecture::names();
  return names;
}

bool has_conv_layers(const std::string& architecture) {
  const auto a = Architecture::find(architecture);
  return a && architecture_entry(*a).conv_layers;
}

namespace {

constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();
constexpr double kBig = 1e300;

const toml::table* subtable(const TomlSection& parent, const std::string& key) {
  const toml::node* n = parent.node(key);
  if (!n) return nullptr;
  if (!n->is_table())
    parent.fail_at(*n, key, "expected a table, found " + toml_type_name(*n));
  return n->as_table();
}

template <typename T>
void refuse_duplicates(const TomlSection& s, const std::string& key, const std::vector<T>& v) {
  std::set<T> seen;
  for (const T& x : v) {
    if (!seen.insert(x).second) {
      std::ostringstream o;
      o << "'" << x << "' appears twice: every value of an axis must differ";
      s.fail(key, o.str());
    }
  }
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_relative() && !base_dir.empty()) path = fs::path(base_dir) / path;
  return path.lexically_normal().string();
}

void read_experiment(const TomlSection& s, Spec& spec, const std::string& base_dir) {
  s.allow_only({"name", "seed", "output", "max_attempts", "cell_timeout_s", "trainer_cells", "trainer_memory_mib"});
  spec.name = s.text("name", fs::path(spec.file).stem().string());
  if (spec.name.empty()) s.fail("name", "must not be empty");
  spec.seed = static_cast<uint64_t>(s.integer("seed", 0, 0, kIntMax));
  const std::string out = s.text("output", spec.name + ".h5");
  if (out.empty()) s.fail("output", "must not be empty");
  spec.output = resolve(base_dir, out);
  spec.output_place = s.place("output");
  spec.max_attempts = static_cast<int>(s.integer("max_attempts", 2, 1, 100));
  spec.cell_timeout_s = s.number("cell_timeout_s", 0.0, 0.0, kBig);
  spec.trainer_cells = static_cast<int>(s.integer("trainer_cells", 50, 1, 1000000));
  spec.trainer_memory_mib = static_cast<long>(s.integer("trainer_memory_mib", 0, 0, kIntMax));
}

Normalization read_normalization(const TomlSection& data) {
  Normalization n;
  const toml::node* node = data.node("normalization");
  if (!node) return n;
  if (node->is_string()) {
    n.preset = data.choice("normalization", "auto",
                           {"auto", "mnist", "cifar10", "dataset", "none"});
    return n;
  }
  if (!node->is_table())
    data.fail("normalization",
              "expected a preset name (auto, mnist, cifar10, dataset, none) or a table "
              "{ mean = [...], std = [...] }, found " + toml_type_name(*node));
  TomlSection t(node->as_table(), data.field("normalization"), data.file());
  t.allow_only({"mean", "std"});
  if (!t.has("mean") || !t.has("std")) t.fail("mean", "give both mean and std, one per channel");
  n.preset = "custom";
  n.mean = t.numbers("mean", {}, -kBig, kBig);
  n.std = t.numbers("std", {}, 1e-12, kBig);
  if (n.mean.size() != n.std.size())
    t.fail("std", "has " + std::to_string(n.std.size()) + " values but mean has " +
                      std::to_string(n.mean.size()));
  return n;
}

void read_data(const TomlSection& s, DataSpec& d, const std::string& base_dir) {
  s.allow_only({"format", "path", "name", "classes", "split", "folds", "validation", "subset",
                "normalization"});
  d.format = s.choice("format", "idx", {"idx", "cifar10", "hdf5", "synthetic"});
  if (d.format == "synthetic") {
    if (s.has("path")) s.fail("path", "does not apply to format 'synthetic' (seeded noise, no files)");
    d.path = "synthetic";
  }
  const bool default_path = !s.has("path") && d.format != "synthetic";
  if (default_path && d.format != "idx" && d.format != "synthetic")
    s.fail("path", "is required for format '" + d.format + "'");
  if (d.format != "synthetic") d.path = default_path ? default_dataset_dir() : resolve(base_dir, s.text("path", ""));
  if (d.path.empty()) s.fail("path", "must not be empty");
  d.name = s.text("name", fs::path(d.path).filename().string());
  d.classes = static_cast<int>(s.integer("classes", 10, 2, 100000));

  d.split = s.choice("split", "holdout", {"holdout", "kfold"});
  if (d.split == "kfold") {
    if (!s.has("folds")) s.fail("split", "'kfold' needs folds = N (N >= 2)");
    d.folds = static_cast<int>(s.integer("folds", 6, 2, 100));
  } else {
    if (s.has("folds")) s.fail("folds", "only applies to split = 'kfold'");
    d.folds = 1;
  }

  d.validation_fraction = kValidationFraction;
  if (const toml::node* v = s.node("validation")) {
    if (v->is_string()) {
      const std::string what = s.text("validation", "test");
      if (what != "test")
        s.fail("validation", "'" + what + "' is not valid: use \"test\" (the paper) or a "
                             "fraction of the training set such as 0.1");
      d.validation_fraction = 0.0;
    } else {
      d.validation_fraction = s.number("validation", 0.0, 0.0, 0.9);
      if (d.validation_fraction <= 0.0)
        s.fail("validation", "a fraction must be above 0; use \"test\" to validate on the test set");
    }
  }

  if (const toml::table* sub = subtable(s, "subset")) {
    TomlSection t(sub, s.field("subset"), s.file());
    t.allow_only({"train", "test"});
    d.subset_train = t.integer("train", 0, d.classes, kIntMax);
    d.subset_test = t.integer("test", 0, d.classes, kIntMax);
  }
  d.normalization = read_normalization(s);

  const std::string problem = check_dataset_files(d);
  if (!problem.empty()) {
    std::string message = problem;
    if (default_path)
      message += "; the default dataset is Fashion-MNIST from Debian's package " +
                 std::string(kFashionMnistPackage) + " (apt-get install " +
                 kFashionMnistPackage + "), or set data.path";
    throw InputError(s.place("path"), s.field("path"), message);
  }
}

void read_bayes(const TomlSection& s, BayesOptions& b) {
  s.allow_only({"beta", "prior_mu", "prior_sigma", "posterior_mu_init", "posterior_rho_init",
                "train_ensemble", "test_ensemble"});
  b.beta = s.number("beta", b.beta, 0.0, kBig);
  b.prior_mu = s.number("prior_mu", b.prior_mu, -kBig, kBig);
  b.prior_sigma = s.number("prior_sigma", b.prior_sigma, 1e-12, kBig);
  auto pair = [&](const std::string& key, double& mean, double& sd) {
    const auto v = s.numbers(key, {mean, sd}, -kBig, kBig);
    if (v.size() != 2) s.fail(key, "expected [mean, std] of the normal initialisation");
    if (v[1] < 0) s.fail(key, "the std must not be negative");
    mean = v[0];
    sd = v[1];
  };
  pair("posterior_mu_init", b.posterior_mu_mean, b.posterior_mu_std);
  pair("posterior_rho_init", b.posterior_rho_mean, b.posterior_rho_std);
  b.train_ensemble = static_cast<int>(s.integer("train_ensemble", b.train_ensemble, 1, 1000));
  b.test_ensemble = static_cast<int>(s.integer("test_ensemble", b.test_ensemble, 1, 1000));
}

void read_train(const TomlSection& s, Spec& spec) {
  s.allow_only({"device", "share_gpus", "threads", "optimizer", "batch_size", "learning_rate", "init",
                "activation", "eval_batch_size", "checkpoint_every", "momentum", "weight_decay", "train_accuracy", "bayes",
                "mcdropout"});
  TrainOptions& t = spec.train;
  t.device = s.choice("device", "auto", {"auto", "cpu", "cuda"});
  t.share_gpus = s.boolean("share_gpus", false);
  t.threads = static_cast<int>(s.integer("threads", 0, 0, 4096));
  spec.optimizers = s.texts("optimizer", {"adam"});
  for (const auto& o : spec.optimizers) {
    const std::vector<std::string> known{"adam", "adamw", "sgd"};
    bool ok = false;
    for (const auto& k : known) ok = ok || k == o;
    if (!ok) s.fail("optimizer", "'" + o + "' is not one of " + join(known) + did_you_mean(o, known));
  }
  refuse_duplicates(s, "optimizer", spec.optimizers);
  spec.batch_sizes.clear();
  for (int64_t b : s.integers("batch_size", {256}, 1, 1 << 24))
    spec.batch_sizes.push_back(static_cast<int>(b));
  refuse_duplicates(s, "batch_size", spec.batch_sizes);
  spec.learning_rates = s.numbers("learning_rate", {0.001}, 1e-12, 100.0);
  refuse_duplicates(s, "learning_rate", spec.learning_rates);
  t.init = s.choice("init", "default", {"default", "normal"});
  t.train_accuracy = s.choice("train_accuracy", t.train_accuracy, {"eval", "always", "running"});
  t.activation = s.choice("activation", "softplus", {"softplus", "relu"});
  t.eval_batch_size = static_cast<int>(s.integer("eval_batch_size", t.eval_batch_size, 1, 1 << 24));
  t.checkpoint_every = static_cast<int>(s.integer("checkpoint_every", t.checkpoint_every, 0, 1 << 20));
  t.momentum = s.number("momentum", 0.9, 0.0, 1.0);
  t.weight_decay = s.number("weight_decay", 0.0, 0.0, kBig);
  read_bayes(TomlSection(subtable(s, "bayes"), s.field("bayes"), s.file()), t.bayes);
  TomlSection d(subtable(s, "mcdropout"), s.field("mcdropout"), s.file());
  d.allow_only({"p", "test_passes"});
  t.dropout.p = d.number("p", 0.5, 0.0, 0.99);
  t.dropout.test_passes = static_cast<int>(d.integer("test_passes", 10, 1, 10000));
}

// Counted before anything is expanded, so that 10⁷ cells is a line on the
// terminal rather than gigabytes and std::bad_alloc.
void refuse_too_large_a_grid(const TomlSection& grid, const Spec& spec) {
  const std::vector<std::pair<const char*, double>> axes{
      {"architectures", static_cast<double>(spec.grid.architectures.size())},
      {"sizes", static_cast<double>(spec.grid.sizes.size())},
      {"criteria", static_cast<double>(spec.criteria.size())},
      {"folds", static_cast<double>(std::max(1, spec.data.folds))},
      {"batch sizes", static_cast<double>(spec.batch_sizes.size())},
      {"learning rates", static_cast<double>(spec.learning_rates.size())},
      {"optimizers", static_cast<double>(spec.optimizers.size())},
      {"repeats", static_cast<double>(spec.grid.repeats)},
  };
  double cells = 1;
  std::string product;
  for (const auto& [name, n] : axes) {
    cells *= n;
    product += (product.empty() ? "" : " × ") + std::to_string(static_cast<long long>(n)) + " " + name;
  }
  if (cells > static_cast<double>(kMaxGridCells))
    grid.fail("architectures", "the grid has " + product + " = " + std::to_string(static_cast<long long>(cells)) +
                                   " cells, more than joulegrid plans in one study (" + std::to_string(kMaxGridCells) +
                                   "); split it into several specs and join their results with joulegrid merge");
}

// [models.NAME]: the user's own models. Read before [grid], which names
// them; their files are checked last, with the data (they touch the disk).
void read_models(const TomlSection& s, Spec& spec) {
  if (!s.table()) return;
  const auto& built_in = known_architectures();
  for (const auto& [key, value] : *s.table()) {
    const std::string name(key.str());
    if (!value.is_table())
      s.fail_at(value, name, "expected a table such as [models." + name +
                                 "] with torchscript = \"FILE\" or command = [\"python3\", \"train.py\"]");
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
      s.fail(name, "a model's name is 1 to 64 of a-z, 0-9, '_' and '-'");
    for (const auto& b : built_in)
      if (b == name) s.fail(name, "'" + name + "' is a built-in architecture; give your model another name");
    TomlSection m(value.as_table(), s.field(name), s.file());
    m.allow_only({"torchscript", "command", "init", "ready_seconds", "stop_seconds"});
    if (m.has("torchscript") == m.has("command"))
      m.fail(m.has("command") ? "command" : "torchscript",
             m.has("command") ? "give torchscript or command, not both"
                              : "is required: the TorchScript file, e.g. \"models/" + name +
                                    "-{size}.pt\", or a training program, command = [\"python3\", \"train.py\"]");
    ImportedModel model;
    if (m.has("torchscript")) {
      for (const char* k : {"ready_seconds", "stop_seconds"})
        if (m.has(k)) m.fail(k, "applies to a command only: joulegrid trains a TorchScript model itself");
      model.path = m.text("torchscript", "");
      if (model.path.empty()) m.fail("torchscript", "must not be empty");
      model.init = m.choice("init", model.init, {"file", "reset"});
    } else {
      model.kind = "command";
      if (m.has("init"))
        m.fail("init", "applies to a TorchScript model only: a program initialises its own model (give it {seed})");
      if (!m.node("command")->is_array())
        m.fail("command", "must be an array: the program and its arguments, e.g. [\"python3\", \"train.py\", "
                          "\"--lr\", \"{learning_rate}\"]");
      model.command = m.texts("command", {});
      if (model.command.empty() || model.command[0].empty()) m.fail("command", "must name a program");
      std::map<std::string, std::string> any;
      for (const auto& p : command_placeholders()) any[p] = "1";
      try {
        expand_command(model.command, any);
      } catch (const std::invalid_argument& e) {
        m.fail("command", e.what());
      }
      model.ready_seconds = m.number("ready_seconds", model.ready_seconds, 1, 86400);
      model.stop_seconds = m.number("stop_seconds", model.stop_seconds, 1, 86400);
    }
    spec.models[name] = model;
  }
}

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// The program a command starts, as the worker will find it: a path (against
// the spec's folder) or a name on PATH. Empty when there is none.
std::string find_program(const std::string& program, const std::string& base_dir) {
  if (program.find('/') != std::string::npos) {
    const std::string p = resolve(base_dir, program);
    return is_executable_file(p) ? p : "";
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t at = 0; at <= dirs.size();) {
    size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = dirs.substr(at, end - at);
    if (!dir.empty() && is_executable_file(fs::path(dir) / program)) return (fs::path(dir) / program).string();
    at = end + 1;
  }
  return "";
}

// A command's files at one size: the program found, and every argument that
// names a file in the spec's folder (train.py, a config) hashed with the
// command's text, so that a changed script is a changed cell.
ModelFile command_files(const TomlSection& m, ImportedModel& model, int size, const std::string& base_dir) {
  std::map<std::string, std::string> at_size{{"size", std::to_string(size)}};
  std::string identity;
  for (const auto& arg : model.command) identity += arg + '\x1f';
  ModelFile f;
  std::string program;
  for (size_t i = 0; i < model.command.size(); ++i) {
    std::string arg;
    try {
      arg = expand_command({model.command[i]}, at_size)[0];
    } catch (const std::invalid_argument&) {
      continue;  // names a cell's parameter: not a file
    }
    if (i == 0) {
      program = find_program(arg, base_dir);
      if (program.empty())
        m.fail("command", "'" + arg + "' is not " +
                              (arg.find('/') != std::string::npos ? "an executable file (against " + base_dir + ")"
                                                                  : "a program on PATH") +
                              " (size " + std::to_string(size) + ")");
      if (arg.find('/') == std::string::npos) continue;  // python3: the interpreter is not the model
    }
    const std::string p = resolve(base_dir, arg);
    std::error_code ec;
    if (arg.empty() || arg[0] == '-' || !fs::is_regular_file(p, ec)) continue;
    try {
      identity += file_hash(p) + '\x1f';
    } catch (const InputError& e) {
      m.fail("command", e.what());
    }
    if (f.path.empty()) f.path = p;
  }
  if (f.path.empty()) f.path = program;
  f.hash = hex16(fnv1a64(identity));
  model.workdir = base_dir;
  return f;
}

// Each imported model's file for each size of the grid: there, and hashed.
void read_model_files(const TomlSection& s, Spec& spec, const std::string& base_dir) {
  for (auto& [name, model] : spec.models) {
    TomlSection m(subtable(s, name), s.field(name), s.file());
    const std::string key = model.kind == "command" ? "command" : "torchscript";
    bool used = false;
    for (const auto& a : spec.grid.architectures) used = used || a == name;
    if (!used) m.fail(key, "model '" + name + "' is not in [grid] architectures: add it there, or remove it");
    if (model.kind == "command") {
      for (int size : spec.grid.sizes) model.files[size] = command_files(m, model, size, base_dir);
      continue;
    }
    const std::string token = "{size}";
    std::string rest = model.path;
    for (size_t at; (at = rest.find(token)) != std::string::npos;) rest.erase(at, token.size());
    if (rest.find_first_of("{}") != std::string::npos)
      m.fail("torchscript", "'" + model.path + "': the only placeholder is {size}");
    if (rest == model.path && spec.grid.sizes.size() > 1)
      m.fail("torchscript", "'" + model.path + "' has no {size}, and [grid] sizes has " +
                                std::to_string(spec.grid.sizes.size()) + " values: give one file per size");
    for (int size : spec.grid.sizes) {
      std::string path = model.path;
      for (size_t at; (at = path.find(token)) != std::string::npos;) path.replace(at, token.size(), std::to_string(size));
      ModelFile f;
      f.path = resolve(base_dir, path);
      std::error_code ec;
      if (!fs::is_regular_file(f.path, ec))
        m.fail("torchscript", f.path + (fs::exists(f.path, ec) ? ": not a file" : ": no such file") + " (size " +
                                  std::to_string(size) + ")");
      try {
        f.hash = file_hash(f.path);
      } catch (const InputError& e) {
        m.fail("torchscript", e.what());
      }
      model.files[size] = f;
    }
  }
}

void read_grid(const TomlSection& s, Spec& spec) {
  s.allow_only({"architectures", "sizes", "repeats"});
  if (!s.table()) throw InputError(SourcePlace{spec.file, 0, 0}, "grid",
                                   "the [grid] table is missing: give architectures and sizes");
  if (!s.has("architectures")) s.fail("architectures", "is required, e.g. [\"lenet\", \"bcnn\"]");
  if (!s.has("sizes")) s.fail("sizes", "is required, e.g. [1, 2, 3]");
  spec.grid.architectures = s.texts("architectures", {});
  std::vector<std::string> known = known_architectures();
  for (const auto& [name, model] : spec.models) known.push_back(name);
  for (const auto& a : spec.grid.architectures) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == a;
    if (!ok)
      s.fail("architectures", "unknown architecture '" + a + "'" + did_you_mean(a, known) +
                                  "; known: " + join(known));
  }
  refuse_duplicates(s, "architectures", spec.grid.architectures);
  for (int64_t k : s.integers("sizes", {}, 1, 64)) spec.grid.sizes.push_back(static_cast<int>(k));
  refuse_duplicates(s, "sizes", spec.grid.sizes);
  spec.grid.repeats = static_cast<int>(s.integer("repeats", 1, 1, 10000));
}

std::string number_label(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

CriterionSpec read_criterion(const TomlSection& s) {
  CriterionSpec c;
  if (!s.has("kind")) s.fail("kind", "is required: epochs, accuracy, early_stopping or energy");
  c.kind = s.word("kind", CriterionKind());
  const std::vector<std::string> splits{"train", "validation", "test"};
  if (c.kind == CriterionKindValue::epochs) {
    s.allow_only({"kind", "name", "epochs"});
    if (!s.has("epochs")) s.fail("epochs", "is required for kind = 'epochs'");
    c.epochs = static_cast<int>(s.integer("epochs", 0, 1, 1000000));
    c.name = "epochs" + std::to_string(c.epochs);
  } else if (c.kind == CriterionKindValue::accuracy) {
    s.allow_only({"kind", "name", "target", "split", "max_epochs"});
    if (!s.has("target")) s.fail("target", "is required for kind = 'accuracy' (a fraction, e.g. 0.99)");
    c.target = s.number("target", 0.0, 0.0, 1.0);
    if (c.target <= 0.0) s.fail("target", "must be above 0");
    c.split = s.choice("split", "train", splits);
    c.max_epochs = static_cast<int>(s.integer("max_epochs", 100, 1, 1000000));
    c.name = "accuracy" + number_label(c.target);
  } else if (c.kind == CriterionKindValue::early_stopping) {
    s.allow_only({"kind", "name", "patience", "min_delta", "split", "max_epochs"});
    c.patience = static_cast<int>(s.integer("patience", 3, 1, 1000000));
    c.min_delta = s.number("min_delta", 0.0, 0.0, 1.0);
    c.split = s.choice("split", "validation", splits);
    c.max_epochs = static_cast<int>(s.integer("max_epochs", 100, 1, 1000000));
    c.name = "early_stopping";
  } else {
    s.allow_only({"kind", "name", "budget_j", "check", "max_epochs"});
    if (!s.has("budget_j")) s.fail("budget_j", "is required for kind = 'energy' (joules)");
    c.budget_j = s.number("budget_j", 0.0, 0.0, kBig);
    if (c.budget_j <= 0.0) s.fail("budget_j", "must be above 0 joules");
    c.check = s.choice("check", "epoch", {"epoch", "batch"});
    c.max_epochs = static_cast<int>(s.integer("max_epochs", 100, 1, 1000000));
    c.name = "energy" + number_label(c.budget_j) + "J";
  }
  c.name = s.text("name", c.name);
  if (c.name.empty()) s.fail("name", "must not be empty");
  return c;
}

void read_criteria(const toml::table& root, Spec& spec) {
  const toml::node* n = root.get("criteria");
  if (!n) throw InputError(SourcePlace{spec.file, 0, 0}, "criteria",
                           "no [[criteria]] given: add at least one stopping criterion");
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables())
    throw InputError(toml_place(n->source(), spec.file), "criteria",
                     "expected [[criteria]] tables");
  std::set<std::string> names;
  for (size_t i = 0; i < arr->size(); ++i) {
    TomlSection s(arr->get(i)->as_table(), "criteria[" + std::to_string(i + 1) + "]", spec.file);
    CriterionSpec c = read_criterion(s);
    if (!names.insert(c.name).second)
      s.fail("name", "two criteria are named '" + c.name + "': give one a different name");
    spec.criteria.push_back(c);
  }
  if (spec.criteria.empty())
    throw InputError(toml_place(n->source(), spec.file), "criteria", "the list is empty");
}

void read_meters(const TomlSection& s, Spec& spec) {
  s.allow_only({"sample_hz", "idle_seconds", "idle_windows", "cpu_tdp_w", "cpu_idle_fraction", "ram_w_per_gib",
                "store_samples", "utilisation", "sources", "allow_unmetered_gpu"});
  MeterOptions& m = spec.meters;
  m.sample_hz = s.number("sample_hz", m.sample_hz, 1.0, 1000.0);
  m.idle_seconds = s.number("idle_seconds", m.idle_seconds, 0.0, 3600.0);
  m.idle_windows = static_cast<int>(s.integer("idle_windows", m.idle_windows, 1, 100));
  m.cpu_tdp_w = s.number("cpu_tdp_w", m.cpu_tdp_w, 0.0, 100000.0);
  m.cpu_idle_fraction = s.number("cpu_idle_fraction", m.cpu_idle_fraction, 0.0, 1.0);
  m.ram_w_per_gib = s.number("ram_w_per_gib", m.ram_w_per_gib, 0.0, 100.0);
  m.store_samples = s.boolean("store_samples", m.store_samples);
  m.utilisation = s.boolean("utilisation", m.utilisation);
  m.allow_unmetered_gpu = s.boolean("allow_unmetered_gpu", m.allow_unmetered_gpu);
  m.sources = s.texts("sources", m.sources);
  const std::vector<std::string> known = MeterSource::names();
  for (const auto& src : m.sources) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == src;
    if (!ok) s.fail("sources", "unknown source '" + src + "'" + did_you_mean(src, known) +
                                   "; known: " + join(known));
  }
}

void read_calibration(const TomlSection& s, Spec& spec) {
  s.allow_only({"enabled", "steps", "warmup", "repetitions", "reference", "reference_j"});
  CalibrationOptions& c = spec.calibration;
  c.enabled = s.boolean("enabled", c.enabled);
  c.steps = static_cast<int>(s.integer("steps", c.steps, 1, 1000000));
  c.warmup = static_cast<int>(s.integer("warmup", c.warmup, 0, 100));
  c.repetitions = static_cast<int>(s.integer("repetitions", c.repetitions, 1, 100));
  c.reference = s.text("reference", c.reference);
  if (c.reference.empty()) s.fail("reference", "must name a node or be \"first\"");
  c.reference_j = s.number("reference_j", 0.0, 0.0, kBig);
}

void read_report(const TomlSection& s, Spec& spec) {
  s.allow_only({"formats", "energy", "overtraining_epochs"});
  spec.report.formats = s.texts("formats", spec.report.formats);
  const std::vector<std::string> known = ReportFormat::names();
  for (const auto& f : spec.report.formats) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == f;
    if (!ok) s.fail("formats", "unknown format '" + f + "'" + did_you_mean(f, known));
  }
  spec.report.energy = s.word("energy", EnergyBasis());
  if (spec.report.energy == EnergyBasisValue::net && spec.meters.idle_seconds <= 0)
    s.fail("energy", "\"net\" needs an idle baseline, and [meters] idle_seconds = 0 measures none: set idle_seconds, "
                     "or report \"gross\"");
  if (s.has("overtraining_epochs")) {
    const auto e = s.integers("overtraining_epochs", {}, 1, 1000000);
    if (e.size() != 2 || e[0] >= e[1])
      s.fail("overtraining_epochs", "expected [a, b], two epochs with a < b (the paper: [50, 100])");
    spec.report.overtraining_a = static_cast<int>(e[0]);
    spec.report.overtraining_b = static_cast<int>(e[1]);
  }
}

// [finetune]: pretraining epochs, what is frozen, and the pretraining data
// ([finetune.data], read like [data]; the study's dataset when absent).
void read_finetune(const TomlSection& s, Spec& spec, const std::string& base_dir) {
  if (!s.table()) return;
  s.allow_only({"epochs", "freeze", "data"});
  FinetuneSpec& f = spec.finetune;
  f.enabled = true;
  if (!s.has("epochs")) s.fail("epochs", "is required: how many epochs each pretraining cell trains");
  f.criterion.kind = CriterionKindValue::epochs;
  f.criterion.epochs = static_cast<int>(s.integer("epochs", 1, 1, 100000));
  f.criterion.name = "pretrain" + std::to_string(f.criterion.epochs);
  f.freeze = s.choice("freeze", f.freeze, {"conv", "all_but_head", "none"});
  for (const auto& a : spec.grid.architectures)
    if (spec.models.count(a) && spec.models.at(a).kind == "command")
      s.fail("epochs", "model '" + a + "' is a training program, and joulegrid cannot hand it the pretrained "
                       "weights: fine-tune built-in or TorchScript models only");
  for (const auto& a : spec.grid.architectures)
    if (spec.models.count(a) && f.freeze != "none")
      s.fail("freeze", "'" + f.freeze + "' freezes layers by their kind, and joulegrid does not know the layers of "
                       "model '" + a + "'; use \"none\" (its weights start the training, nothing frozen)");
  if (f.freeze == "conv")
    for (const auto& a : spec.grid.architectures)
      if (!has_conv_layers(a))
        s.fail("freeze", "'conv' freezes convolutional layers, and architecture '" + a +
                             "' has none; use \"all_but_head\" (every layer but the last) or \"none\"");
  if (const toml::table* d = subtable(s, "data")) {
    read_data(TomlSection(d, s.field("data"), s.file()), f.data, base_dir);
    if (f.data.split != "holdout") s.fail("data", "pretraining data must use split = 'holdout'");
  } else {
    f.data = spec.data;
  }
}

void read_step(const TomlSection& s, Spec& spec) {
  s.allow_only({"stable_from", "window"});
  spec.step.stable_from = static_cast<int>(s.integer("stable_from", spec.step.stable_from, 1, 1000));
  spec.step.window = static_cast<int>(s.integer("window", spec.step.window, 1, 1000));
}

void read_carbon(const TomlSection& s, Spec& spec) {
  s.allow_only({"g_per_kwh", "nodes"});
  spec.carbon.g_per_kwh = s.number("g_per_kwh", 0.0, 0.0, 5000.0);
  const toml::table* nodes = subtable(s, "nodes");
  if (!nodes) return;
  TomlSection n(nodes, s.field("nodes"), s.file());
  for (const auto& [key, value] : *nodes) {
    const std::string name(key.str());
    spec.carbon.nodes[name] = n.number(name, 0.0, 0.0, 5000.0);
  }
}

}  // namespace

std::string in_spec(const Spec& spec, const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return message;
  std::string key = message.substr(0, colon);
  if (key.find('.') == std::string::npos || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string::npos)
    return message;
  toml::table root;
  try {
    root = toml::parse(spec.text, spec.file);
  } catch (const std::exception&) {
    return message;
  }
  for (; !key.empty(); key = key.substr(0, key.find_last_of('.') == std::string::npos ? 0 : key.find_last_of('.'))) {
    const toml::node_view<toml::node> n = toml::at_path(root, key);
    if (n && n.node()->source().begin.line > 0) return toml_place(n.node()->source(), spec.file).str() + ": " + message;
  }
  return message;
}

Spec parse_spec(const std::string& text, const std::string& path, const std::string& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw InputError(toml_place(e.source(), path), "", std::string(e.description()));
  }
  Spec spec;
  spec.file = path;
  spec.text = text;
  TomlSection top(&root, "", path);
  top.allow_only({"experiment", "data", "train", "grid", "criteria", "meters", "calibration",
                  "report", "carbon", "step", "finetune", "models"});
  auto section = [&](const std::string& name) {
    return TomlSection(subtable(top, name), name, path);
  };
  read_experiment(section("experiment"), spec, base_dir);
  read_train(section("train"), spec);
  read_models(section("models"), spec);
  read_grid(section("grid"), spec);
  read_criteria(root, spec);
  read_meters(section("meters"), spec);
  read_calibration(section("calibration"), spec);
  read_report(section("report"), spec);
  read_carbon(section("carbon"), spec);
  read_step(section("step"), spec);
  // Last: it touches the file system, and the cheaper checks should speak first.
  read_data(section("data"), spec.data, base_dir);
  read_model_files(section("models"), spec, base_dir);
  read_finetune(section("finetune"), spec, base_dir);
  refuse_too_large_a_grid(section("grid"), spec);
  return spec;
}

const ModelFile* imported_model_file(const Spec& spec, const std::string& architecture, int size) {
  const auto m = spec.models.find(architecture);
  if (m == spec.models.end()) return nullptr;
  const auto f = m->second.files.find(size);
  return f == m->second.files.end() ? nullptr : &f->second;
}

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be read (permission?)");
  uint64_t h = kFnvOffset;
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    h = fnv1a64_extend(h, buffer.data(), static_cast<size_t>(in.gcount()));
    if (in.eof()) break;
  }
  if (in.bad()) throw InputError(path + ": read error");
  return hex16(h);
}

std::string output_problem(const std::string& path) {
  std::error_code ec;
  const fs::path file = fs::absolute(path, ec);
  const fs::path folder = file.parent_path();
  if (!fs::is_directory(folder, ec)) return "its folder " + folder.string() + " does not exist (create it first)";
  constexpr const char* kLongest = ".journal.rejected";
  const long name_max = ::pathconf(folder.c_str(), _PC_NAME_MAX);
  const size_t limit = name_max > 0 ? static_cast<size_t>(name_max) : 255;
  const size_t name = file.filename().string().size() + std::strlen(kLongest);
  if (name > limit)
    return "the file name is " + std::to_string(file.filename().string().size()) + " bytes, and " +
           file.filename().string().substr(0, 24) + "…" + kLongest + ", which joulegrid writes beside it, " +
           std::to_string(name) + ": over this file system's limit of " + std::to_string(limit) +
           " bytes a name; choose a shorter name";
  const long path_max = ::pathconf(folder.c_str(), _PC_PATH_MAX);
  const size_t path_limit = path_max > 0 ? static_cast<size_t>(path_max) : 4096;
  if (file.string().size() + 64 > path_limit)  // room for NAME.checkpoints/running/CELL.ckpt
    return "the path is " + std::to_string(file.string().size()) + " bytes, too near this file system's limit of " +
           std::to_string(path_limit) + " for the files joulegrid writes beside it; choose a shorter one";
  return "";
}

Spec load_spec(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw InputError(SourcePlace{path, 0, 0}, "", "no such spec file");
  if (fs::is_directory(path, ec))
    throw InputError(SourcePlace{path, 0, 0}, "", "is a folder, not a spec file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourcePlace{path, 0, 0}, "", "cannot be read (permission?)");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string base = fs::absolute(path, ec).parent_path().string();
  Spec spec = parse_spec(text.str(), path, base);
  // Here, not in parse_spec: a worker on another node reads the same text,
  // and only rank 0 writes the results.
  if (const std::string problem = output_problem(spec.output); !problem.empty())
    throw InputError(spec.output_place, "experiment.output", spec.output + ": " + problem);
  return spec;
}

}  // namespace joulegrid
