// batch_norm: one fused node (Ioffe & Szegedy 2015). Training normalizes with the batch's
// mean and biased variance and folds them into the running statistics; evaluation applies
// the running statistics as a fixed per-channel affine map. Forward and backward of both
// modes are below; the loops are in kernels/batch_norm.h. Backward keeps x, and per channel
// only mean, 1/sqrt(var + eps) and gamma (copied, so later in-place updates cannot skew it).
#include "soma/ops/batch_norm.h"

#include <cmath>
#include <vector>

#include "kernels/batch_norm.h"
#include "soma/autograd/function.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// A [C] tensor: undefined, or of x's dtype and size C.
void check_channel_tensor(const Tensor& t, const char* what, const Tensor& x) {
  if (!t.defined()) return;
  const std::int64_t C = x.size(1);
  SOMA_CHECK(t.dim() == 1 && t.size(0) == C, "batch_norm: ", what, " must have shape [", C, "] for input shape ",
             x.shape(), " (C = ", C, "), got ", t.shape());
  SOMA_CHECK(t.dtype() == x.dtype(), "batch_norm: ", what, " is ", name_of(t.dtype()), " but the input is ",
             name_of(x.dtype()));
}

template <class T>
std::vector<double> values_of(const Tensor& t) {
  const T* p = t.data<T>();
  return std::vector<double>(p, p + t.numel());
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  SOMA_CHECK(x.defined(), "batch_norm: the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), "batch_norm: expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() >= 2, "batch_norm: expected an input [N, C, *] of at least 2 dimensions, got shape ",
             x.shape());
  check_channel_tensor(weight, "weight", x);
  check_channel_tensor(bias, "bias", x);
  check_channel_tensor(running_mean, "running_mean", x);
  check_channel_tensor(running_var, "running_var", x);
  SOMA_CHECK(running_mean.defined() == running_var.defined(),
             "batch_norm: give both running_mean and running_var, or neither");
  SOMA_CHECK(training || running_mean.defined(),
             "batch_norm: evaluation mode needs running_mean and running_var (or pass training = true to "
             "normalize with the batch's statistics)");
  SOMA_CHECK(eps >= 0, "batch_norm: eps must be >= 0, got ", eps);
  const kernels::Lanes l = kernels::axis_lanes(x.shape(), 1, "batch_norm");
  const std::int64_t C = l.n, m = l.outer * l.inner;
  SOMA_CHECK(!training || m > 1, "batch_norm: Expected more than 1 value per channel when training, got input size ",
             x.shape());

  Tensor y(x.shape(), x.dtype());
  std::vector<double> mean(C), invstd(C), gamma;
  dispatch_floating(x.dtype(), "batch_norm", [&]<class T>() {
    if (training) {
      std::vector<double> var(C);
      kernels::channel_moments(x.data<T>(), l, mean.data(), var.data());
      for (std::int64_t c = 0; c < C; ++c) invstd[c] = 1 / std::sqrt(var[c] + eps);
      if (running_mean.defined()) {
        // In place and outside the graph. The running variance estimates the population's,
        // hence Bessel's correction m / (m - 1) (the normalization itself uses the biased one).
        T* rm = running_mean.data<T>();
        T* rv = running_var.data<T>();
        const double unbias = double(m) / double(m - 1);
        for (std::int64_t c = 0; c < C; ++c) {
          rm[c] = T((1 - momentum) * double(rm[c]) + momentum * mean[c]);
          rv[c] = T((1 - momentum) * double(rv[c]) + momentum * var[c] * unbias);
        }
      }
    } else {
      const T* rm = running_mean.data<T>();
      const T* rv = running_var.data<T>();
      for (std::int64_t c = 0; c < C; ++c) {
        mean[c] = double(rm[c]);
        invstd[c] = 1 / std::sqrt(double(rv[c]) + eps);
      }
    }
    if (weight.defined()) gamma = values_of<T>(weight);
    const std::vector<double> beta = bias.defined() ? values_of<T>(bias) : std::vector<double>(C, 0.0);
    std::vector<double> scale(C);
    for (std::int64_t c = 0; c < C; ++c) scale[c] = (weight.defined() ? gamma[c] : 1.0) * invstd[c];
    kernels::channel_affine(x.data<T>(), l, mean.data(), scale.data(), beta.data(), y.data<T>());
  });

  const bool has_weight = weight.defined(), has_bias = bias.defined();
  std::vector<const Tensor*> inputs{&x};
  if (has_weight) inputs.push_back(&weight);
  if (has_bias) inputs.push_back(&bias);
  bool grad = false;
  for (const Tensor* t : inputs) grad = grad || needs_grad(*t);
  if (!grad) return y;

  const std::size_t weight_slot = 1, bias_slot = has_weight ? 2 : 1;
  record(y, training ? "batch_norm" : "batch_norm_eval", inputs,
         [x = x.detach(), l, training, has_weight, has_bias, weight_slot, bias_slot, mean = std::move(mean),
          invstd = std::move(invstd), gamma = std::move(gamma)](const Tensor& gy, Grads& g) {
           const bool need_x = g.needed(0), need_w = has_weight && g.needed(weight_slot),
                      need_b = has_bias && g.needed(bias_slot);
           const std::int64_t C = l.n;
           dispatch_floating(x.dtype(), "batch_norm backward", [&]<class T>() {
             // dbeta = sum dy and dgamma = sum dy xhat: the same in both modes, with the batch's
             // statistics in training and the running ones in evaluation.
             std::vector<double> sum_dy(C), sum_dy_xhat(C);
             if (training || need_w || need_b)
               kernels::channel_grad_sums(gy.data<T>(), x.data<T>(), l, mean.data(), invstd.data(), sum_dy.data(),
                                          sum_dy_xhat.data());
             if (need_x) {
               g[0] = Tensor(x.shape(), x.dtype());
               if (training) {
                 kernels::batch_norm_input_grad(gy.data<T>(), x.data<T>(), l, mean.data(), invstd.data(),
                                                has_weight ? gamma.data() : nullptr, sum_dy.data(),
                                                sum_dy_xhat.data(), g[0].data<T>());
               } else {
                 // Fixed statistics: y is affine in x, so dx = dy gamma invstd.
                 std::vector<double> zero(C, 0.0), scale(C);
                 for (std::int64_t c = 0; c < C; ++c) scale[c] = (has_weight ? gamma[c] : 1.0) * invstd[c];
                 kernels::channel_affine(gy.data<T>(), l, zero.data(), scale.data(), zero.data(), g[0].data<T>());
               }
             }
             auto channel_grad = [&](const std::vector<double>& v) {
               Tensor t(Shape{C}, x.dtype());
               T* p = t.data<T>();
               for (std::int64_t c = 0; c < C; ++c) p[c] = T(v[c]);
               return t;
             };
             if (need_w) g[weight_slot] = channel_grad(sum_dy_xhat);
             if (need_b) g[bias_slot] = channel_grad(sum_dy);
           });
         });
  return y;
}

}  // namespace soma
