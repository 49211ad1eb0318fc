// Dropout layer: checks p once at construction, seeds its own mask generator (from the option
// or one draw of the construction generator), then defers to the dropout op with the module
// tree's train/eval flag.
#include "soma/nn/dropout.h"

#include "soma/ops/dropout.h"

namespace soma::nn {

Dropout::Dropout(double p, Generator& gen) : Dropout(DropoutOptions{.p = p}, gen) {}

Dropout::Dropout(const DropoutOptions& options, Generator& gen) : p_(options.p) {
  SOMA_CHECK(p_ >= 0 && p_ <= 1, "Dropout: p must be in [0, 1], got ", p_);
  // NOTE: the seed is drawn only when none is given, so an explicit seed leaves `gen` (and the
  // weights of the layers built after this one) untouched.
  const std::uint64_t seed = options.seed ? *options.seed : gen.next_u64();
  gen_ = register_generator("generator", std::make_shared<Generator>(seed));
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p_, is_training(), *gen_); }

}  // namespace soma::nn
