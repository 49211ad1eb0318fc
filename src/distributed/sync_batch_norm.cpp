// SyncBatchNorm from differentiable ops and a differentiable allreduce: two passes (the global
// mean, then the global mean squared deviation) for a variance without cancellation.
#include "soma/distributed/sync_batch_norm.h"

#include <cstring>

#include "soma/autograd/function.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/math.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"

namespace soma::distributed {

Tensor allreduce_sum(Communicator& comm, const Tensor& x) {
  Tensor y = x.detach().copy();
  comm.start_allreduce_sum(y.raw_data(), y.numel(), y.dtype());
  comm.wait_all("SyncBatchNorm: summing the statistics");
  if (autograd::needs_grad(x))
    autograd::record(y, "allreduce_sum", {&x}, [&comm](const Tensor& gy, autograd::Grads& g) {
      Tensor gx = gy.copy();
      comm.start_allreduce_sum(gx.raw_data(), gx.numel(), gx.dtype());
      comm.wait_all("SyncBatchNorm: summing the gradients");
      g[0] = gx;
    });
  return y;
}

SyncBatchNorm::SyncBatchNorm(Communicator& comm, std::int64_t num_features, const nn::BatchNormOptions& options)
    : comm_(comm), num_features_(num_features), options_(options) {
  SOMA_CHECK(num_features > 0, "SyncBatchNorm: num_features must be > 0, got ", num_features);
  SOMA_CHECK(options.eps >= 0, "SyncBatchNorm(", num_features, "): eps must be >= 0, got ", options.eps);
  SOMA_CHECK(!options.momentum || (*options.momentum >= 0 && *options.momentum <= 1), "SyncBatchNorm(", num_features,
             "): momentum must be in [0, 1], got ", options.momentum.value_or(0));
  SOMA_CHECK(options.affine && options.track_running_stats, "SyncBatchNorm(", num_features,
             "): expected affine and track_running_stats (the defaults), got affine ", options.affine,
             ", track_running_stats ", options.track_running_stats);
  const Shape c{num_features};
  weight_ = register_parameter("weight", ones(c, options.dtype));
  bias_ = register_parameter("bias", zeros(c, options.dtype));
  running_mean_ = register_buffer("running_mean", zeros(c, options.dtype));
  running_var_ = register_buffer("running_var", ones(c, options.dtype));
  num_batches_tracked_ = register_buffer("num_batches_tracked", scalar(0, DType::i64));
}

Tensor SyncBatchNorm::forward(const Tensor& x) {
  const std::int64_t C = num_features_;
  SOMA_CHECK(x.defined() && x.dim() >= 2 && x.dim() <= 4 && x.size(1) == C, "SyncBatchNorm(", C,
             "): expected input [N, C], [N, C, L] or [N, C, H, W] with C = ", C, ", got shape ",
             x.defined() ? x.shape() : Shape{});
  SOMA_CHECK(x.dtype() == options_.dtype, "SyncBatchNorm(", C, "): the input is ", name_of(x.dtype()),
             " but the layer is ", name_of(options_.dtype));
  Shape channel{1, C};  // [1, C, 1, ...]: broadcasts over everything but the channels
  while (channel.dim() < x.dim()) channel.push_back(1);
  const std::int64_t n = x.size(0), per_sample = x.numel() / (n * C);
  if (!is_training()) {
    const Tensor scale = weight_ / sqrt(running_var_ + options_.eps);
    return (x - reshape(running_mean_, channel)) * reshape(scale, channel) + reshape(bias_, channel);
  }
  double count = double(n * per_sample);
  comm_.allreduce_sum({&count, 1}, "SyncBatchNorm: counting the batch");
  SOMA_CHECK(count > 1, "SyncBatchNorm(", C, "): Expected more than 1 value per channel when training, got ", count);
  const Tensor x3 = reshape(x, {n, C, per_sample});
  const Tensor mean = allreduce_sum(comm_, sum(sum(x3, 2), 0)) / count;
  const Tensor centered = x3 - reshape(mean, {1, C, 1});
  const Tensor var = allreduce_sum(comm_, sum(sum(centered * centered, 2), 0)) / count;
  const Tensor scale = weight_ / sqrt(var + options_.eps);
  const Tensor y = centered * reshape(scale, {1, C, 1}) + reshape(bias_, {1, C, 1});
  {
    NoGradGuard no_grad;
    std::int64_t& seen = num_batches_tracked_.data<std::int64_t>()[0];
    const double f = options_.momentum ? *options_.momentum : 1.0 / double(seen + 1);
    const Tensor new_mean = running_mean_ * (1 - f) + mean.detach() * f;
    const Tensor new_var = running_var_ * (1 - f) + var.detach() * (f * count / (count - 1));  // unbiased, as PyTorch
    std::memcpy(running_mean_.raw_data(), new_mean.raw_data(), std::size_t(C) * size_of(options_.dtype));
    std::memcpy(running_var_.raw_data(), new_var.raw_data(), std::size_t(C) * size_of(options_.dtype));
    ++seen;
  }
  return reshape(y, x.shape());
}

}  // namespace soma::distributed
