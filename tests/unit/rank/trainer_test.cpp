// The trainer in this process, without a child: what its kept state holds.

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <fstream>

#include "rank/trainer.hpp"
#include "tests/fakes/fake_datasets.hpp"
#include "tests/support/cells.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

// A tiny dataset, its LeNet cell on the CPU, and a file for a kept state.
class TrainerState : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_idx_dataset(dir.path().string(), 160, 80, 4, false);
    cell = testing::tiny_cell(dir.path().string(), "lenet", testing::criterion("epochs"));
    cell.data.classes = 4;
    cell.id = cell_id(cell);
  }
  Trainer trainer() { return Trainer(cell, load_split_tensors(cell, cpu), cpu); }
  // Writes the trainer's state after `epoch` to `kept`.
  void keep(Trainer& t, int epoch) {
    std::ofstream out(kept, std::ios::binary);
    out << t.state(epoch);
  }

  testing::TempDir dir;
  CellSpec cell;
  const torch::Device cpu{torch::kCPU};
  const std::string kept = dir.file("kept.ckpt");
};

// A GPU's generator cannot be had here, so a second CPU generator stands in
// for it: the data order draws from it, as on a GPU it draws from the
// device's. The state kept after epoch 1 carries it, and a trainer whose
// own stand-in was seeded otherwise draws epoch 2's order again: the same
// loss to the bit.
TEST_F(TrainerState, TheDevicesGeneratorIsKeptAndRestored) {
  Trainer first = trainer();
  first.draw_order_from(at::detail::createCPUGenerator(7));
  first.train_epoch(1);
  keep(first, 1);
  const double second_epoch = first.train_epoch(2).mean_loss;

  Trainer resumed = trainer();
  resumed.draw_order_from(at::detail::createCPUGenerator(99));
  ASSERT_EQ(resumed.restore(kept), 1);
  EXPECT_EQ(resumed.train_epoch(2).mean_loss, second_epoch);

  // The stand-in does decide the order: restored, then re-seeded, the
  // trainer draws another order and another loss.
  Trainer reseeded = trainer();
  at::Generator own = at::detail::createCPUGenerator(99);
  reseeded.draw_order_from(own);
  ASSERT_EQ(reseeded.restore(kept), 1);
  own.set_current_seed(99);
  EXPECT_NE(reseeded.train_epoch(2).mean_loss, second_epoch);
}

// A state kept on the CPU holds no device generator; resumed where there is
// one, the CPU's is restored and the device's stays as the seed set it.
TEST_F(TrainerState, AStateKeptWithoutADeviceGeneratorStillRestores) {
  Trainer first = trainer();
  first.train_epoch(1);
  keep(first, 1);
  Trainer resumed = trainer();
  at::Generator stand_in = at::detail::createCPUGenerator(5);
  resumed.draw_order_from(stand_in);
  const torch::Tensor before = stand_in.get_state();
  EXPECT_EQ(resumed.restore(kept), 1);
  EXPECT_TRUE(torch::equal(stand_in.get_state(), before));
}

}  // namespace
}  // namespace joulegrid
