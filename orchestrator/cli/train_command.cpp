// `joulegrid train SPEC --cell INDEX`: one cell in the foreground, through the
// same worker code path as a sweep (a `joulegrid cell` child, the stopping
// criterion in the parent), printing one line per epoch.

#include <filesystem>
#include <iostream>

#include "orchestrator/cli/commands.hpp"
#include "orchestrator/plan/plan.hpp"
#include "io/report/text_table.hpp"
#include "meters/visible_devices.hpp"
#include "rank/cell_runner.hpp"
#include "rank/metered_energy.hpp"
#include "rank/protocol.hpp"

namespace joulegrid {

namespace {

const CellSpec& find_cell(const std::vector<CellSpec>& cells, const std::string& key) {
  const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
  if (numeric && key.size() < 10) {
    const long index = std::stol(key);
    if (index < static_cast<long>(cells.size())) return cells[static_cast<size_t>(index)];
    throw InputError("--cell: " + key + " is out of range: the grid has " +
                     std::to_string(cells.size()) + " cells (0.." + std::to_string(cells.size() - 1) + ")");
  }
  const CellSpec* found = nullptr;
  for (const auto& c : cells) {
    if (c.id.compare(0, key.size(), key) == 0) {
      if (found) throw InputError("--cell: '" + key + "' matches more than one cell id");
      found = &c;
    }
  }
  if (!found) throw InputError("--cell: no cell has index or id '" + key + "' (see `joulegrid plan`)");
  return *found;
}

std::string epoch_line(const EpochRecord& e) {
  return "epoch " + std::to_string(e.epoch) + (e.partial ? " (partial)" : "") +
         "  loss " + format_number(e.loss) + "  acc train " + format_number(e.train_acc, 3) +
         " val " + format_number(e.val_acc, 3) + " test " + format_number(e.test_acc, 3) +
         "  time train " + format_number(e.train_s, 3) + " s eval " + format_number(e.eval_s, 3) +
         " s  energy " + format_number(e.train_energy.joules + e.eval_energy.joules) + " J gross, " +
         format_number(e.train_energy.net_joules + e.eval_energy.net_joules) + " J net (" +
         e.train_energy.method + "), cumulative " + format_number(e.cumulative_j) +
         " J  efficiency " + format_number(e.efficiency, 3) + " /J (test acc / cumulative J)";
}

}  // namespace

int train_command(const TrainArgs& args) {
  const Spec spec = load_spec(args.spec);
  std::vector<CellSpec> cells = expand_grid(spec);
  std::error_code ec;
  assign_checkpoints(cells, std::filesystem::absolute(spec.output, ec).string());
  const CellSpec& cell = find_cell(cells, args.cell);
  if (cell.role == RoleValue::pretrain) std::filesystem::create_directories(std::filesystem::path(cell.checkpoint).parent_path(), ec);
  // One GPU, the one libtorch trains on (GPU 0 of the node when nothing is
  // set), or none for a cell on the CPU: the others' energy is not the cell's.
  const meters::SysfsRoot root = meters::SysfsRoot::from_environment();
  const meters::GpuBinding binding =
      meters::bind_rank_to_gpus(0, 1, meters::node_gpus(root), false, spec.train.device == "cpu");
  if (!binding.log.empty()) std::cerr << "joulegrid: " << binding.log << "\n";
  // The node's meters; the placeholder only where no source at all can be read.
  MeteredEnergy metered(spec.meters, root);
  std::unique_ptr<PlaceholderEnergy> placeholder;
  if (metered.empty()) placeholder = std::make_unique<PlaceholderEnergy>(PlaceholderEnergy::watts_from_environment());
  CellEnergy& energy = placeholder ? static_cast<CellEnergy&>(*placeholder) : metered;
  double idle_w = 0;
  if (!placeholder && spec.meters.idle_seconds > 0) {
    metered.measure_idle_windows(spec.meters.idle_seconds, spec.meters.idle_windows);
    idle_w = metered.idle_watts();
  }
  for (const auto& w : metered.warnings())
    std::cerr << "joulegrid: meters: " << w.source << ": " << w.problem << "; fix: " << w.fix << "\n";

  CellCallbacks cb;
  if (args.json) {
    cb.on_ready = [](const nlohmann::json& ev) { std::cout << ev.dump() << std::endl; };
    cb.on_epoch = [](const EpochRecord& e) {
      nlohmann::json j = e;
      j["event"] = "epoch";
      std::cout << j.dump() << std::endl;
    };
  } else {
    std::cout << "cell " << cell.index << " (" << cell.id << "): " << cell.architecture << "-"
              << cell.size << ", " << cell.criterion.name << ", fold " << cell.fold << ", batch "
              << cell.batch_size << ", lr " << format_number(cell.learning_rate) << ", "
              << cell.optimizer << ", repeat " << cell.repeat << "\n"
              << "energy: " << energy.describe() << "\n";
    if (!placeholder && spec.meters.idle_seconds > 0)
      std::cout << "idle: " << format_number(idle_w) << " W (" << energy.method() << ", " << format_number(spec.meters.idle_seconds)
                << " s with nothing running)\n";
    cb.on_ready = [](const nlohmann::json& ev) {
      std::cout << "model: " << ev.value("parameters", 0L) << " parameters, "
                << ev.value("flops_per_sample", 0L) << " FLOPs per sample (forward); device "
                << ev.value("device", "") << ", " << ev.value("threads", 0) << " threads; "
                << ev.value("train_samples", 0L) << " training, " << ev.value("validation_samples", 0L)
                << (ev.value("validation_is_test", true) ? " validation (= test)" : " validation")
                << ", " << ev.value("test_samples", 0L) << " test samples" << std::endl;
    };
    cb.on_epoch = [](const EpochRecord& e) { std::cout << epoch_line(e) << std::endl; };
  }

  const RunResult r = run_cell(cell, energy, cb);
  if (args.json) {
    nlohmann::json j = r;
    j.erase("epoch_records");
    j["event"] = "result";
    std::cout << j.dump() << std::endl;
  } else if (r.status == StatusValue::done) {
    std::cout << "stopped: " << r.stop_reason << " (" << r.detail << ") after " << r.epochs
              << " epochs; final accuracy train " << format_number(r.train_acc, 3) << " val "
              << format_number(r.val_acc, 3) << " test " << format_number(r.test_acc, 3) << "; "
              << format_number(r.energy_j) << " J (" << r.energy_method << "); efficiency "
              << format_number(r.efficiency, 3) << " /J" << std::endl;
  } else {
    std::cout << "failed: " << r.failure << ": " << r.detail << " (after " << r.epochs << " epochs)\n";
    if (!r.error_tail.empty()) std::cout << "trainer's last output:\n" << r.error_tail << "\n";
  }
  if (r.status == StatusValue::done) return exit_code::complete;
  return r.failure == protocol::failure::input ? exit_code::bad_input : exit_code::internal;
}

}  // namespace joulegrid
