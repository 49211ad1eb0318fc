// max_pool2d, avg_pool2d and global_avg_pool2d: checks and PyTorch's output-size arithmetic,
// then forward and backward side by side. The loops live in kernels/pool.cpp. Max pooling
// saves only the int32 index of each window's winner (from the caching allocator), not its
// input; average pooling saves nothing but sizes.
#include "soma/ops/pool.h"

#include <limits>
#include <sstream>
#include <string>

#include "kernels/pool.h"
#include "soma/autograd/function.h"
#include "soma/ops/view.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

struct PoolPlan {
  kernels::PoolGeometry g;
  std::int64_t planes = 0;
  Shape out;
};

// "input 1x28x28, kernel 2, stride 2, padding 0" (+ ", ceil_mode"): the words of every error.
std::string describe(const Shape& x, Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  std::ostringstream os;
  os << "input " << x[1] << 'x' << x[2] << 'x' << x[3] << ", kernel " << kernel << ", stride " << stride
     << ", padding " << padding << (ceil_mode ? ", ceil_mode" : "");
  return os.str();
}

PoolPlan plan_pool(const char* op, const Tensor& x, Pair kernel, Pair stride_or_0, Pair padding,
                   bool ceil_mode) {
  SOMA_CHECK(x.defined(), op, ": the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() == 4, op, ": expected an input [N, C, H, W] (or [C, H, W]), got shape ", x.shape());
  const Pair stride = stride_or_0 == Pair(0) ? kernel : stride_or_0;
  SOMA_CHECK(kernel.h >= 1 && kernel.w >= 1 && stride.h >= 1 && stride.w >= 1, op,
             ": kernel and stride must be at least 1, got kernel ", kernel, ", stride ", stride);
  SOMA_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must not be negative, got ", padding);
  SOMA_CHECK(padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2, op, ": padding ", padding,
             " must be at most half the kernel ", kernel, " (as in PyTorch), so that every window holds an input element");
  PoolPlan plan;
  kernels::PoolGeometry& g = plan.g;
  g.H = x.size(2);
  g.W = x.size(3);
  g.kH = kernel.h;
  g.kW = kernel.w;
  g.stride_h = stride.h;
  g.stride_w = stride.w;
  g.pad_h = padding.h;
  g.pad_w = padding.w;
  g.OH = pool_output_size(g.H, g.kH, g.stride_h, g.pad_h, ceil_mode);
  g.OW = pool_output_size(g.W, g.kW, g.stride_w, g.pad_w, ceil_mode);
  SOMA_CHECK(g.OH >= 1 && g.OW >= 1, op, ": ", describe(x.shape(), kernel, stride, padding, ceil_mode), " -> ",
             g.OH, 'x', g.OW, " (each side: (in + 2*padding - kernel) / stride + 1, rounded ",
             ceil_mode ? "up" : "down", "): the window does not fit in the padded input");
  plan.planes = x.size(0) * x.size(1);
  plan.out = Shape{x.size(0), x.size(1), g.OH, g.OW};
  return plan;
}

// Runs a batched pooling op on an unbatched [C, H, W] image as a batch of one (views).
template <class F>
Tensor with_batch(const Tensor& x, F op) {
  if (x.defined() && x.dim() == 3) return squeeze(op(unsqueeze(x, 0)), 0);
  return op(x);
}

Tensor max_pool2d_batched(const Tensor& x, Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  const PoolPlan plan = plan_pool("max_pool2d", x, kernel, stride, padding, ceil_mode);
  SOMA_CHECK(plan.g.H * plan.g.W <= std::numeric_limits<std::int32_t>::max(), "max_pool2d: planes of ", plan.g.H,
             'x', plan.g.W, " are too large (indices are int32)");
  Tensor y(plan.out, x.dtype());
  const bool grad = needs_grad(x);
  // The winners' indices, for backward only.
  Ref<Storage> argmax = grad ? make_ref<Storage>(std::size_t(y.numel()) * sizeof(std::int32_t)) : Ref<Storage>();
  auto* indices = argmax ? static_cast<std::int32_t*>(argmax->data()) : nullptr;
  dispatch_floating(x.dtype(), "max_pool2d", [&]<class T>() {
    kernels::max_pool2d_forward<T>(x.data<T>(), plan.planes, plan.g, y.data<T>(), indices);
  });
  if (grad)
    record(y, "max_pool2d", {&x}, [argmax, plan, shape = x.shape(), dtype = x.dtype()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(shape, dtype);
      dispatch_floating(dtype, "max_pool2d", [&]<class T>() {
        kernels::max_pool2d_backward<T>(gy.data<T>(), static_cast<const std::int32_t*>(argmax->data()), plan.planes,
                                        plan.g, g[0].data<T>());
      });
    });
  return y;
}

Tensor avg_pool2d_batched(const Tensor& x, Pair kernel, Pair stride, Pair padding, bool ceil_mode,
                          bool count_include_pad) {
  const PoolPlan plan = plan_pool("avg_pool2d", x, kernel, stride, padding, ceil_mode);
  Tensor y(plan.out, x.dtype());
  dispatch_floating(x.dtype(), "avg_pool2d", [&]<class T>() {
    kernels::avg_pool2d_forward<T>(x.data<T>(), plan.planes, plan.g, count_include_pad, y.data<T>());
  });
  if (needs_grad(x))
    record(y, "avg_pool2d", {&x},
           [plan, count_include_pad, shape = x.shape(), dtype = x.dtype()](const Tensor& gy, Grads& g) {
             g[0] = Tensor(shape, dtype);
             dispatch_floating(dtype, "avg_pool2d", [&]<class T>() {
               kernels::avg_pool2d_backward<T>(gy.data<T>(), plan.planes, plan.g, count_include_pad, g[0].data<T>());
             });
           });
  return y;
}

Tensor global_avg_pool2d_batched(const Tensor& x) {
  SOMA_CHECK(x.defined(), "global_avg_pool2d: the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), "global_avg_pool2d: expected a float32 or float64 input, got ",
             name_of(x.dtype()));
  SOMA_CHECK(x.dim() == 4, "global_avg_pool2d: expected an input [N, C, H, W] (or [C, H, W]), got shape ", x.shape());
  const std::int64_t planes = x.size(0) * x.size(1), HW = x.size(2) * x.size(3);
  SOMA_CHECK(HW > 0, "global_avg_pool2d: the input ", x.shape(), " has empty planes: nothing to average");
  Tensor y(Shape{x.size(0), x.size(1), 1, 1}, x.dtype());
  dispatch_floating(x.dtype(), "global_avg_pool2d", [&]<class T>() {
    kernels::global_avg_pool2d_forward<T>(x.data<T>(), planes, HW, y.data<T>());
  });
  if (needs_grad(x))
    record(y, "global_avg_pool2d", {&x}, [planes, HW, shape = x.shape(), dtype = x.dtype()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(shape, dtype);
      dispatch_floating(dtype, "global_avg_pool2d", [&]<class T>() {
        kernels::global_avg_pool2d_backward<T>(gy.data<T>(), planes, HW, g[0].data<T>());
      });
    });
  return y;
}

Tensor adaptive_avg_pool2d_batched(const Tensor& x, Pair output_size) {
  constexpr const char* op = "adaptive_avg_pool2d";
  SOMA_CHECK(x.defined(), op, ": the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() == 4, op, ": expected an input [N, C, H, W] (or [C, H, W]), got shape ", x.shape());
  SOMA_CHECK(output_size.h >= 1 && output_size.w >= 1, op, ": the output size must be at least 1x1, got ",
             output_size);
  const std::int64_t H = x.size(2), W = x.size(3), OH = output_size.h, OW = output_size.w;
  SOMA_CHECK(H >= 1 && W >= 1, op, ": the input ", x.shape(), " has empty planes: nothing to average");
  const std::int64_t planes = x.size(0) * x.size(1);
  Tensor y(Shape{x.size(0), x.size(1), OH, OW}, x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    kernels::adaptive_avg_pool2d_forward<T>(x.data<T>(), planes, H, W, OH, OW, y.data<T>());
  });
  if (needs_grad(x))
    record(y, op, {&x}, [planes, H, W, OH, OW, shape = x.shape(), dtype = x.dtype()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(shape, dtype);
      dispatch_floating(dtype, "adaptive_avg_pool2d", [&]<class T>() {
        kernels::adaptive_avg_pool2d_backward<T>(gy.data<T>(), planes, H, W, OH, OW, g[0].data<T>());
      });
    });
  return y;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  return with_batch(x, [&](const Tensor& b) { return max_pool2d_batched(b, kernel, stride, padding, ceil_mode); });
}

Tensor avg_pool2d(const Tensor& x, Pair kernel, Pair stride, Pair padding, bool ceil_mode,
                  bool count_include_pad) {
  return with_batch(
      x, [&](const Tensor& b) { return avg_pool2d_batched(b, kernel, stride, padding, ceil_mode, count_include_pad); });
}

Tensor global_avg_pool2d(const Tensor& x) { return with_batch(x, global_avg_pool2d_batched); }

Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size) {
  return with_batch(x, [&](const Tensor& b) { return adaptive_avg_pool2d_batched(b, output_size); });
}

}  // namespace soma
