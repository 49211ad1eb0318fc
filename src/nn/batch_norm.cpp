// BatchNormBase: parameters and buffers as PyTorch's _BatchNorm, the choice between batch
// and running statistics, and the momentum (or cumulative-average) factor. Validation comes
// first so that a rejected batch leaves num_batches_tracked and the running statistics alone.
#include "soma/nn/batch_norm.h"

#include <cmath>

#include "soma/core/factory.h"
#include "soma/ops/batch_norm.h"

namespace soma::nn {

BatchNormBase::BatchNormBase(std::int64_t num_features, const BatchNormOptions& options)
    : num_features_(num_features), options_(options) {
  SOMA_CHECK(num_features > 0, "BatchNorm: num_features must be positive, got ", num_features);
  SOMA_CHECK(options.eps >= 0, "BatchNorm: eps must be >= 0, got ", options.eps);
  SOMA_CHECK(!options.momentum || (*options.momentum >= 0 && *options.momentum <= 1),
             "BatchNorm: momentum must be in [0, 1] (PyTorch's convention: the weight of the new batch), got ",
             options.momentum.value_or(0));
  SOMA_CHECK(is_floating(options.dtype), "BatchNorm: dtype must be float32 or float64, got ", name_of(options.dtype));
  const Shape c{num_features};
  if (options.affine) {
    weight_ = register_parameter("weight", ones(c, options.dtype));
    bias_ = register_parameter("bias", zeros(c, options.dtype));
  }
  if (options.track_running_stats) {
    running_mean_ = register_buffer("running_mean", zeros(c, options.dtype));
    running_var_ = register_buffer("running_var", ones(c, options.dtype));
    num_batches_tracked_ = register_buffer("num_batches_tracked", scalar(0, DType::i64));
  }
}

Shape BatchNormBase::output_shape(const Shape& input) const {
  const std::int64_t C = num_features_;
  SOMA_CHECK(accepts_rank(input.dim()) && input[1] == C, type_name(), "(", C, "): expected input ", expected_shape(),
             " with C = ", C, ", got shape ", input);
  return input;
}

std::int64_t BatchNormBase::flops(const Shape& input) const { return output_shape(input).numel(); }

Tensor BatchNormBase::forward(const Tensor& x) {
  const std::int64_t C = num_features_;
  SOMA_CHECK(x.defined(), type_name(), "(", C, "): the input is undefined");
  SOMA_CHECK(accepts_rank(x.dim()) && x.size(1) == C, type_name(), "(", C, "): expected input ", expected_shape(),
             " with C = ", C, ", got shape ", x.shape());
  SOMA_CHECK(x.dtype() == options_.dtype, type_name(), "(", C, "): the input is ", name_of(x.dtype()),
             " but the layer is ", name_of(options_.dtype), " (set BatchNormOptions::dtype)");
  // Without running statistics there is nothing else to normalize with, in either mode.
  const bool use_batch_stats = is_training() || !options_.track_running_stats;
  const std::int64_t per_channel = x.numel() / C;
  SOMA_CHECK(!use_batch_stats || per_channel > 1, type_name(), "(", C,
             "): Expected more than 1 value per channel when training, got input size ", x.shape());

  const bool update = is_training() && options_.track_running_stats;
  double factor = 0;  // the weight of this batch in the running statistics
  if (update) {
    const std::int64_t seen = num_batches_tracked_.data<std::int64_t>()[0] + 1;
    factor = options_.momentum ? *options_.momentum : 1.0 / double(seen);
  }
  // running_mean_/running_var_ are undefined without tracking: the op then updates nothing.
  Tensor y = batch_norm(x, running_mean_, running_var_, weight_, bias_, use_batch_stats, factor, options_.eps);
  if (update) num_batches_tracked_.data<std::int64_t>()[0] += 1;
  return y;
}

}  // namespace soma::nn
