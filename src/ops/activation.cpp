// Activations: forward and backward side by side. Each saves the least it can
// (sigmoid and tanh their output; relu its output, whose sign is the input's).
#include "soma/ops/activation.h"

#include <algorithm>
#include <cmath>

#include "ops/elementwise.h"
#include "kernels/activation.h"
#include "kernels/softmax.h"

namespace soma {

using namespace ops_detail;
using autograd::needs_grad;
using autograd::record;

namespace {
// An activation whose derivative is a function of its output (sigmoid, tanh, relu): the
// kernels' forward loop, and a backward loop that reads the output saved as SavedData.
template <class Forward, class Backward>
Tensor activation_of_output(const Tensor& x, const char* op, Forward forward, Backward backward) {
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() { forward(x.data<T>(), y.data<T>(), x.numel()); });
  if (needs_grad(x))
    record(y, op, {&x}, [y = SavedData(y), op, backward](const Tensor& gy, Grads& g) {
      g[0] = Tensor(gy.shape(), gy.dtype());
      dispatch_floating(gy.dtype(), op, [&]<class T>() {
        backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), gy.numel());
      });
    });
  return y;
}
}  // namespace

// The loops are in kernels/activation.cpp, vectorized: float32 sigmoid through a vectorized
// e^x (within 2e-7), float32 tanh within 1.4 ulp.
Tensor sigmoid(const Tensor& x) {
  return activation_of_output(
      x, "sigmoid", [](const auto* in, auto* out, std::int64_t n) { kernels::sigmoid_forward(in, out, n); },
      [](const auto* gy, const auto* y, auto* gx, std::int64_t n) { kernels::sigmoid_backward(gy, y, gx, n); });
}

Tensor tanh(const Tensor& x) {
  return activation_of_output(
      x, "tanh", [](const auto* in, auto* out, std::int64_t n) { kernels::tanh_forward(in, out, n); },
      [](const auto* gy, const auto* y, auto* gx, std::int64_t n) { kernels::tanh_backward(gy, y, gx, n); });
}

Tensor relu(const Tensor& x) {
  return activation_of_output(
      x, "relu", [](const auto* in, auto* out, std::int64_t n) { kernels::relu_forward(in, out, n); },
      [](const auto* gy, const auto* y, auto* gx, std::int64_t n) { kernels::relu_backward(gy, y, gx, n); });
}

Tensor leaky_relu(const Tensor& x, double slope) {
  // Vectorized loops in kernels/activation.cpp, as relu's: two per hidden layer of a GAN step.
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "leaky_relu", [&]<class T>() {
    kernels::leaky_relu_forward(x.data<T>(), y.data<T>(), T(slope), x.numel());
  });
  if (needs_grad(x))
    record(y, "leaky_relu", {&x}, [x = x.detach(), slope](const Tensor& gy, Grads& g) {
      g[0] = Tensor(gy.shape(), gy.dtype());
      dispatch_floating(gy.dtype(), "leaky_relu", [&]<class T>() {
        kernels::leaky_relu_backward(gy.data<T>(), x.data<T>(), g[0].data<T>(), T(slope), gy.numel());
      });
    });
  return y;
}

Tensor threshold(const Tensor& x, double at) {
  Tensor y = map_unary(x, "threshold", [at](auto v) { return decltype(v)(v >= decltype(v)(at) ? 1 : 0); });
  if (needs_grad(x))
    record(y, "threshold", {&x}, [](const Tensor&, Grads&) {
      detail::throw_error("threshold: the step function has no gradient (it is 0 almost everywhere); "
                          "train with sigmoid or another differentiable activation instead");
    });
  return y;
}

Tensor softmax(const Tensor& x, int axis) {
  const auto lanes = kernels::axis_lanes(x.shape(), axis, "softmax");
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "softmax", [&]<class T>() { kernels::softmax_forward(x.data<T>(), y.data<T>(), lanes, false); });
  if (needs_grad(x))
    record(y, "softmax", {&x}, [y = y.detach(), lanes](const Tensor& gy, Grads& g) {
      // dx = y * (gy - sum(gy * y)) along the axis
      g[0] = Tensor(y.shape(), y.dtype());
      dispatch_floating(y.dtype(), "softmax", [&]<class T>() {
        kernels::softmax_backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), lanes, false);
      });
    });
  return y;
}

Tensor log_softmax(const Tensor& x, int axis) {
  const auto lanes = kernels::axis_lanes(x.shape(), axis, "log_softmax");
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "log_softmax", [&]<class T>() { kernels::softmax_forward(x.data<T>(), y.data<T>(), lanes, true); });
  if (needs_grad(x))
    record(y, "log_softmax", {&x}, [y = y.detach(), lanes](const Tensor& gy, Grads& g) {
      // dx = gy - softmax * sum(gy) along the axis
      g[0] = Tensor(y.shape(), y.dtype());
      dispatch_floating(y.dtype(), "log_softmax", [&]<class T>() {
        kernels::softmax_backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), lanes, true);
      });
    });
  return y;
}

}  // namespace soma
