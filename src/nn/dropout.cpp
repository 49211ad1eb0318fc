// Dropout layer: checks p once at construction, then defers to the dropout op with the
// module tree's train/eval flag.
#include "soma/nn/dropout.h"

#include "soma/ops/dropout.h"

namespace soma::nn {

Dropout::Dropout(double p, Generator& gen) : p_(p), gen_(&gen) {
  SOMA_CHECK(p >= 0 && p <= 1, "Dropout: p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p_, is_training(), *gen_); }

}  // namespace soma::nn
