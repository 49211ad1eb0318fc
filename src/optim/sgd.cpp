// SGD: p <- p - lr * g, in place.
#include "soma/optim/sgd.h"

namespace soma::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options) : Optimizer(std::move(params), options.lr) {}

void SGD::update(std::size_t, Tensor& param, const Tensor& grad) {
  dispatch_floating(param.dtype(), "SGD", [&]<class T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    const T lr = T(lr_);
    for (std::int64_t i = 0, n = param.numel(); i < n; ++i) p[i] -= lr * g[i];
  });
}

}  // namespace soma::optim
