// Plain stochastic gradient descent: p <- p - lr * grad.
#pragma once

#include "soma/optim/optimizer.h"

namespace soma::optim {

struct SGDOptions {
  double lr = 0.01;  ///< learning rate (> 0)
};

///   optim::SGD opt(net.parameters(), {.lr = 0.5});
///   loss.backward(); opt.step(); opt.zero_grad();
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options = {});

 protected:
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;
};

}  // namespace soma::optim
