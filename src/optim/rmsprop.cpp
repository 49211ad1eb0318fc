// RMSprop update (Hinton 2012; centered form: Graves 2013) as PyTorch 1.13 computes it:
// eps is added after the square root, and the momentum buffer accumulates the normalized
// gradient. State tensors start at zero. Raw loops over the parameter data.
#include "soma/optim/rmsprop.h"

#include <cmath>

#include "optim/update_loop.h"

namespace soma::optim {

namespace {
std::vector<std::string> rmsprop_state_names(const RMSpropOptions& o) {
  std::vector<std::string> names{"square_avg"};
  if (o.momentum > 0) names.push_back("momentum_buffer");
  if (o.centered) names.push_back("grad_avg");
  return names;
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : Optimizer("RMSprop", std::move(params), options.lr, rmsprop_state_names(options)), options_(options) {
  SOMA_CHECK(options.alpha >= 0, "RMSprop: alpha must be >= 0, got ", options.alpha);
  SOMA_CHECK(options.eps >= 0, "RMSprop: eps must be >= 0, got ", options.eps);
  SOMA_CHECK(options.weight_decay >= 0, "RMSprop: weight_decay must be >= 0, got ", options.weight_decay);
  SOMA_CHECK(options.momentum >= 0, "RMSprop: momentum must be >= 0, got ", options.momentum);
}

void RMSprop::update(std::size_t index, Tensor& param, const Tensor& grad) {
  if (!has_state(index)) init_state(index);
  const bool use_momentum = options_.momentum > 0, centered = options_.centered;
  dispatch_floating(param.dtype(), "RMSprop", [&]<class T>() {
    auto slots = state(index);
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* square_avg = slots[0].data<T>();
    T* buf = use_momentum ? slots[1].data<T>() : nullptr;
    T* grad_avg = centered ? slots[use_momentum ? 2 : 1].data<T>() : nullptr;
    const T lr = T(lr_), alpha = T(options_.alpha), one_minus_alpha = T(1 - options_.alpha);
    const T eps = T(options_.eps), weight_decay = T(options_.weight_decay), momentum = T(options_.momentum);
    detail::with_flags(
        [&](auto decay, auto with_centering, auto with_momentum) {
          detail::for_each_element(param.numel(), [&](std::int64_t i) {
            T d = g[i];
            if constexpr (decay) d += weight_decay * p[i];
            square_avg[i] = square_avg[i] * alpha + one_minus_alpha * d * d;
            T variance = square_avg[i];
            if constexpr (with_centering) {
              grad_avg[i] = grad_avg[i] * alpha + one_minus_alpha * d;
              variance -= grad_avg[i] * grad_avg[i];
            }
            const T avg = std::sqrt(variance) + eps;
            if constexpr (with_momentum) {
              buf[i] = buf[i] * momentum + d / avg;
              p[i] -= lr * buf[i];
            } else {
              p[i] -= lr * d / avg;
            }
          });
        },
        options_.weight_decay != 0, centered, use_momentum);
  });
}

std::optional<double> RMSprop::momentum() const {
  return options_.momentum > 0 ? std::optional(options_.momentum) : std::nullopt;
}

void RMSprop::set_momentum(double m) {
  SOMA_CHECK(options_.momentum > 0, "RMSprop: made with momentum 0, it has no momentum buffer to vary");
  SOMA_CHECK(m > 0, "RMSprop: momentum must be > 0 once it was, got ", m);
  options_.momentum = m;
}

}  // namespace soma::optim
