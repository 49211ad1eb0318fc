// SGD update, following torch.optim.SGD's documented algorithm (PyTorch 1.13): weight decay
// is added to the gradient, the momentum buffer starts as the first (decayed) gradient and
// dampening scales only later gradients. Raw loops over the parameter data.
#include "soma/optim/sgd.h"

#include "optim/update_loop.h"

namespace soma::optim {

namespace {
std::vector<std::string> sgd_state_names(const SGDOptions& o) {
  if (o.momentum != 0) return {"momentum_buffer"};
  return {};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer("SGD", std::move(params), options.lr, sgd_state_names(options)), options_(options) {
  SOMA_CHECK(options.momentum >= 0, "SGD: momentum must be >= 0, got ", options.momentum);
  SOMA_CHECK(options.weight_decay >= 0, "SGD: weight_decay must be >= 0, got ", options.weight_decay);
  SOMA_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
             "SGD: nesterov requires momentum > 0 and dampening = 0, got momentum ", options.momentum,
             " and dampening ", options.dampening);
}

void SGD::update(std::size_t index, Tensor& param, const Tensor& grad) {
  if (options_.momentum == 0 && options_.weight_decay == 0) {
    // Plain p -= lr g, the case below with every flag off, without its set-up: on a small
    // network (XOR) that set-up took longer than the update.
    dispatch_floating(param.dtype(), "SGD", [&]<class T>() {
      T* p = param.data<T>();
      const T* g = grad.data<T>();
      const T lr = T(lr_);
      detail::for_each_element(param.numel(), [&](std::int64_t i) { p[i] -= lr * g[i]; });
    });
    return;
  }
  const bool use_momentum = options_.momentum != 0;
  const bool first = use_momentum && !has_state(index);
  if (first) init_state(index);
  dispatch_floating(param.dtype(), "SGD", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* buf = use_momentum ? state(index)[0].data<T>() : nullptr;
    const T lr = T(lr_), weight_decay = T(options_.weight_decay), momentum = T(options_.momentum);
    const T keep = T(1 - options_.dampening);
    detail::with_flags(
        [&](auto decay, auto with_momentum, auto nesterov, auto first_step) {
          detail::for_each_element(param.numel(), [&](std::int64_t i) {
            T d = g[i];
            if constexpr (decay) d += weight_decay * p[i];
            if constexpr (with_momentum) {
              if constexpr (first_step) buf[i] = d;
              else buf[i] = buf[i] * momentum + keep * d;
              if constexpr (nesterov) d += momentum * buf[i];
              else d = buf[i];
            }
            p[i] -= lr * d;
          });
        },
        options_.weight_decay != 0, use_momentum, options_.nesterov, first);
  });
}

std::optional<double> SGD::momentum() const {
  return options_.momentum > 0 ? std::optional(options_.momentum) : std::nullopt;
}

void SGD::set_momentum(double m) {
  SOMA_CHECK(options_.momentum > 0, "SGD: made with momentum 0, it has no momentum buffer to vary");
  SOMA_CHECK(m > 0, "SGD: momentum must be > 0 once it was, got ", m);
  options_.momentum = m;
}

}  // namespace soma::optim
