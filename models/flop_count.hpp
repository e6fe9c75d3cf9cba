#pragma once
// Forward FLOPs counted from the operations a forward pass runs, for models
// whose layers joulegrid did not build (TorchScript files): convolutions
// (and transposed ones), linear layers, matrix products (mm, addmm, bmm,
// matmul) and recurrent layers and cells (RNN, GRU, LSTM), 2 × their
// multiply-accumulates. Every other operation (activations, pooling,
// normalisation, attention's softmax, element-wise arithmetic) is not
// counted: docs/training.md says so, and the report labels such FLOPs.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace joulegrid {

struct FlopCount {
  int64_t flops = 0;                     // 2 × multiply-accumulates of the counted operations
  std::map<std::string, int64_t> by_op;  // "aten::conv2d" → its FLOPs
};

// Runs `forward` once on this thread and counts the FLOPs of the counted
// operations it calls (an operation inside another counted one, such as the
// addmm of a linear layer, counts once, as the outer one).
FlopCount count_flops(const std::function<void()>& forward);

}  // namespace joulegrid
