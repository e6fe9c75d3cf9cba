// libtorch is built with NDEBUG, and the members of at::RecordFunction
// depend on it (a debug-only flag sits among them, record_function.h): this
// file must see the layout the library has, whatever our build type is (the
// sanitized build has no NDEBUG, and read its outputs at the wrong offset).
#ifndef NDEBUG
#define NDEBUG
#endif

#include "models/flop_count.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>

#include <ATen/record_function.h>
#include <torch/torch.h>

namespace joulegrid {

namespace {

enum class Op { none, conv, conv_transposed, linear, mm, bmm, matmul, rnn, rnn_cell };

Op op_of(const char* name) {
  static const std::map<std::string, Op> ops{
      {"aten::conv1d", Op::conv},           {"aten::conv2d", Op::conv},
      {"aten::conv3d", Op::conv},           {"aten::convolution", Op::conv},
      {"aten::_convolution", Op::conv},     {"aten::conv_transpose1d", Op::conv_transposed},
      {"aten::conv_transpose2d", Op::conv_transposed}, {"aten::conv_transpose3d", Op::conv_transposed},
      {"aten::linear", Op::linear},         {"aten::mm", Op::mm},
      {"aten::addmm", Op::mm},              {"aten::bmm", Op::bmm},
      {"aten::baddbmm", Op::bmm},           {"aten::matmul", Op::matmul},
      {"aten::lstm", Op::rnn},              {"aten::gru", Op::rnn},
      {"aten::rnn_tanh", Op::rnn},          {"aten::rnn_relu", Op::rnn},
      {"aten::lstm_cell", Op::rnn_cell},    {"aten::gru_cell", Op::rnn_cell},
      {"aten::rnn_tanh_cell", Op::rnn_cell}, {"aten::rnn_relu_cell", Op::rnn_cell},
  };
  const auto it = ops.find(name);
  return it == ops.end() ? Op::none : it->second;
}

const at::Tensor* tensor_at(c10::ArrayRef<const c10::IValue> in, size_t i) {
  return i < in.size() && in[i].isTensor() ? &in[i].toTensor() : nullptr;
}

int64_t per_output(const at::Tensor& w) { return w.size(0) > 0 ? w.numel() / w.size(0) : 0; }

// What the start of a counted call knows (its inputs are readable only
// then): the multiply-accumulates, or what each output value costs when the
// output's size decides them (a convolution, a matmul).
struct Call : at::ObserverContext {
  int64_t macs = 0;
  int64_t per_output_value = 0;
};

Call call_of(Op op, const at::RecordFunction& fn) {
  const auto in = fn.inputs();
  const at::Tensor* a = tensor_at(in, 0);
  const at::Tensor* b = tensor_at(in, 1);
  Call c;
  switch (op) {
    case Op::conv: {  // convolution and _convolution carry `transposed` as their 7th input
      if (!a || !b) break;
      const bool transposed = in.size() > 6 && in[6].isBool() && in[6].toBool();
      if (transposed) c.macs = a->numel() * per_output(*b);
      else c.per_output_value = per_output(*b);
      break;
    }
    case Op::conv_transposed:  // each input value meets Cout/groups × kernel weights
      if (a && b) c.macs = a->numel() * per_output(*b);
      break;
    case Op::linear:  // input [..., in], weight [out, in]
      if (a && b && b->dim() == 2) c.macs = a->numel() * b->size(0);
      break;
    case Op::mm:
    case Op::bmm: {  // mm(a, b), bmm(a, b); addmm and baddbmm take the bias first
      const bool add = std::strcmp(fn.name(), "aten::addmm") == 0 || std::strcmp(fn.name(), "aten::baddbmm") == 0;
      const at::Tensor* x = tensor_at(in, add ? 1 : 0);
      const at::Tensor* y = tensor_at(in, add ? 2 : 1);
      const int64_t dims = op == Op::mm ? 2 : 3;
      if (x && y && y->dim() == dims) c.macs = x->numel() * y->size(dims - 1);
      break;
    }
    case Op::matmul:  // every output value is a dot product over a's last dimension
      if (a && a->dim() >= 1) c.per_output_value = a->size(-1);
      break;
    case Op::rnn: {  // every step of every sequence meets every weight matrix once
      if (!a || a->dim() < 1 || a->size(-1) == 0) break;
      const int64_t steps = a->numel() / a->size(-1);
      for (const auto& v : in) {
        if (!v.isList()) continue;  // boxed, a Tensor[] is a generic list
        int64_t weights = 0;
        for (const c10::IValue& t : v.toListRef())
          if (t.isTensor() && t.toTensor().dim() == 2) weights += t.toTensor().numel();
        if (weights > 0) {  // the parameters (hx holds no matrices)
          c.macs = steps * weights;
          break;
        }
      }
      break;
    }
    case Op::rnn_cell: {  // (input, hx, w_ih, w_hh, b_ih, b_hh)
      const at::Tensor* w_ih = tensor_at(in, 2);
      const at::Tensor* w_hh = tensor_at(in, 3);
      if (a && w_ih && w_hh && a->dim() >= 1 && a->size(-1) > 0)
        c.macs = a->numel() / a->size(-1) * (w_ih->numel() + w_hh->numel());
      break;
    }
    case Op::none: break;
  }
  return c;
}

struct Counting {
  int depth = 0;  // counted operations open on this thread
  FlopCount count;
};
thread_local Counting* counting = nullptr;

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (!counting) return nullptr;
  const Op op = op_of(fn.name());
  if (op == Op::none) return nullptr;
  if (counting->depth++ > 0) return nullptr;  // inside another counted operation: it counts once
  return std::make_unique<Call>(call_of(op, fn));
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* context) {
  if (!counting || op_of(fn.name()) == Op::none) return;
  --counting->depth;
  const auto* call = static_cast<const Call*>(context);
  if (!call) return;
  int64_t macs = call->macs;
  const auto& out = fn.outputs();
  if (call->per_output_value > 0 && !out.empty() && out[0].isTensor())
    macs += out[0].toTensor().numel() * call->per_output_value;
  counting->count.flops += 2 * macs;
  counting->count.by_op[fn.name()] += 2 * macs;
}

}  // namespace

FlopCount count_flops(const std::function<void()>& forward) {
  Counting c;
  struct Scope {  // the callback and the counter go on every exit
    at::CallbackHandle handle;
    explicit Scope(Counting& c) {
      counting = &c;
      handle = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end)
                                              .needsInputs(true)
                                              .needsOutputs(true)
                                              .scopes({at::RecordScope::FUNCTION}));
    }
    ~Scope() {
      at::removeCallback(handle);
      counting = nullptr;
    }
  } scope(c);
  const bool was_enabled = at::isRecordFunctionEnabled();
  at::enableRecordFunction(true);
  try {
    forward();
  } catch (...) {
    at::enableRecordFunction(was_enabled);
    throw;
  }
  at::enableRecordFunction(was_enabled);
  return c.count;
}

}  // namespace joulegrid
