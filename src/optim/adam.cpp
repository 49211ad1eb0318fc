// Adam (Kingma & Ba 2015; AMSGrad: Reddi et al. 2018) with L2 weight decay added to the
// gradient, as torch.optim.Adam computes it; the moment loop is shared with AdamW
// (adam_kernel.h). Moments start at zero at a parameter's first update.
#include "soma/optim/adam.h"

#include "optim/adam_kernel.h"

namespace soma::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Optimizer("Adam", std::move(params), options.lr, detail::adam_state_names(options.amsgrad)), options_(options) {
  detail::check_adam_options("Adam", options.betas, options.eps, options.weight_decay);
}

void Adam::update(std::size_t index, Tensor& param, const Tensor& grad) {
  if (!has_state(index)) init_state(index);
  const auto& o = options_;
  const auto s = detail::adam_step(lr_, o.betas[0], o.betas[1], o.eps, param_steps(index), o.weight_decay, 1);
  dispatch_floating(param.dtype(), "Adam", [&]<class T>() {
    auto slots = state(index);
    detail::adam_update(param.data<T>(), grad.data<T>(), slots[0].data<T>(), slots[1].data<T>(),
                        o.amsgrad ? slots[2].data<T>() : nullptr, param.numel(), s);
  });
}

// beta1, as PyTorch's cyclic schedules vary it for optimizers with betas.
std::optional<double> Adam::momentum() const { return options_.betas[0]; }

void Adam::set_momentum(double m) {
  SOMA_CHECK(m >= 0 && m < 1, "Adam: beta1 must be in [0, 1), got ", m);
  options_.betas[0] = m;
}

}  // namespace soma::optim
