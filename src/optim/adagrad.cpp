// AdaGrad update (Duchi et al. 2011) with PyTorch 1.13's lr decay and L2 weight decay; the
// accumulator starts at initial_accumulator_value. Raw loops over the parameter data.
#include "soma/optim/adagrad.h"

#include <cmath>

#include "optim/update_loop.h"

namespace soma::optim {

AdaGrad::AdaGrad(std::vector<Tensor> params, const AdaGradOptions& options)
    : Optimizer("AdaGrad", std::move(params), options.lr, {"sum"}), options_(options) {
  SOMA_CHECK(options.lr_decay >= 0, "AdaGrad: lr_decay must be >= 0, got ", options.lr_decay);
  SOMA_CHECK(options.weight_decay >= 0, "AdaGrad: weight_decay must be >= 0, got ", options.weight_decay);
  SOMA_CHECK(options.initial_accumulator_value >= 0, "AdaGrad: initial_accumulator_value must be >= 0, got ",
             options.initial_accumulator_value);
  SOMA_CHECK(options.eps >= 0, "AdaGrad: eps must be >= 0, got ", options.eps);
}

void AdaGrad::update(std::size_t index, Tensor& param, const Tensor& grad) {
  if (!has_state(index)) init_state(index, options_.initial_accumulator_value);
  const double clr = lr_ / (1 + double(param_steps(index) - 1) * options_.lr_decay);
  dispatch_floating(param.dtype(), "AdaGrad", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* sum = state(index)[0].data<T>();
    const T neg_clr = T(-clr), weight_decay = T(options_.weight_decay), eps = T(options_.eps);
    detail::with_flags(
        [&](auto decay) {
          detail::for_each_element(param.numel(), [&](std::int64_t i) {
            T d = g[i];
            if constexpr (decay) d += weight_decay * p[i];
            sum[i] += d * d;
            p[i] += neg_clr * d / (std::sqrt(sum[i]) + eps);
          });
        },
        options_.weight_decay != 0);
  });
}

}  // namespace soma::optim
