// AdamW (Loshchilov & Hutter 2019): the parameter decays by 1 - lr * weight_decay before the
// Adam step (Kingma & Ba 2015), as torch.optim.AdamW computes it; the moment loop is shared
// with Adam (adam_kernel.h). Moments start at zero at a parameter's first update.
#include "soma/optim/adamw.h"

#include "optim/adam_kernel.h"

namespace soma::optim {

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : Optimizer("AdamW", std::move(params), options.lr, detail::adam_state_names(options.amsgrad)), options_(options) {
  detail::check_adam_options("AdamW", options.betas, options.eps, options.weight_decay);
}

void AdamW::update(std::size_t index, Tensor& param, const Tensor& grad) {
  if (!has_state(index)) init_state(index);
  const auto& o = options_;
  const auto s = detail::adam_step(lr_, o.betas[0], o.betas[1], o.eps, param_steps(index), 0, 1 - lr_ * o.weight_decay);
  dispatch_floating(param.dtype(), "AdamW", [&]<class T>() {
    auto slots = state(index);
    detail::adam_update(param.data<T>(), grad.data<T>(), slots[0].data<T>(), slots[1].data<T>(),
                        o.amsgrad ? slots[2].data<T>() : nullptr, param.numel(), s);
  });
}

// beta1, as PyTorch's cyclic schedules vary it for optimizers with betas.
std::optional<double> AdamW::momentum() const { return options_.betas[0]; }

void AdamW::set_momentum(double m) {
  SOMA_CHECK(m >= 0 && m < 1, "AdamW: beta1 must be in [0, 1), got ", m);
  options_.betas[0] = m;
}

}  // namespace soma::optim
