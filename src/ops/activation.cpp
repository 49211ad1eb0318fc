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

Tensor sigmoid(const Tensor& x) {
  // The loops are in kernels/activation.cpp: float32 through a vectorized e^x (within 2e-7).
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "sigmoid",
                    [&]<class T>() { kernels::sigmoid_forward(x.data<T>(), y.data<T>(), x.numel()); });
  if (needs_grad(x))
    record(y, "sigmoid", {&x}, [y = y.detach()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(gy.shape(), gy.dtype());
      dispatch_floating(gy.dtype(), "sigmoid", [&]<class T>() {
        kernels::sigmoid_backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), gy.numel());
      });
    });
  return y;
}

Tensor tanh(const Tensor& x) {
  // The loops are in kernels/activation.cpp: float32 through a vectorized tanh (within 1.4 ulp).
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "tanh", [&]<class T>() { kernels::tanh_forward(x.data<T>(), y.data<T>(), x.numel()); });
  if (needs_grad(x))
    record(y, "tanh", {&x}, [y = y.detach()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(gy.shape(), gy.dtype());
      dispatch_floating(gy.dtype(), "tanh", [&]<class T>() {
        kernels::tanh_backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), gy.numel());
      });
    });
  return y;
}

Tensor relu(const Tensor& x) {
  // The loops are in kernels/activation.cpp, vectorized: relu is in every training step.
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "relu", [&]<class T>() { kernels::relu_forward(x.data<T>(), y.data<T>(), x.numel()); });
  if (needs_grad(x))
    record(y, "relu", {&x}, [y = y.detach()](const Tensor& gy, Grads& g) {
      g[0] = Tensor(gy.shape(), gy.dtype());
      dispatch_floating(gy.dtype(), "relu", [&]<class T>() {
        kernels::relu_backward(gy.data<T>(), y.data<T>(), g[0].data<T>(), gy.numel());
      });
    });
  return y;
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
