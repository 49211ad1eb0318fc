// SyncBatchNorm: batch normalization whose training statistics are those of the whole global
// batch, over every rank (PyTorch's nn.SyncBatchNorm). Each forward sums the channels' values
// and then their squared deviations over the ranks (two small allreduces), and backward sums
// their gradients the same way, so N ranks of batch B normalize, learn and keep running
// statistics as one process of batch N*B with nn::BatchNorm. Same parameters and buffers as
// nn::BatchNorm1d/2d ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
// so their state dicts are interchangeable. Every rank must run it in the same order.
#pragma once

#include "soma/distributed/communicator.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/module.h"

namespace soma::distributed {

///   nn::Sequential net{nn::Conv2d(...), distributed::SyncBatchNorm(comm, 64), nn::ReLU()};
class SyncBatchNorm : public nn::Module {
 public:
  /// Only affine layers that track running statistics (the defaults). Throws soma::Error for
  /// num_features < 1, eps < 0, momentum outside [0, 1], or affine / track_running_stats off.
  SyncBatchNorm(Communicator& comm, std::int64_t num_features, const nn::BatchNormOptions& options = {});

  /// x [N, C], [N, C, L] or [N, C, H, W]. Training: the global batch's statistics (and the
  /// running ones updated with them); evaluation: the running statistics, locally.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SyncBatchNorm"; }

 private:
  Communicator& comm_;
  std::int64_t num_features_;
  nn::BatchNormOptions options_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

/// y = x summed over the ranks, differentiable: the gradient of x is the sum over the ranks of
/// y's gradients. Every rank must call it (and run backward through it) in the same order.
Tensor allreduce_sum(Communicator& comm, const Tensor& x);

}  // namespace soma::distributed
