// Gradient clipping before an optimizer step: rescale all gradients together so that their
// joint norm is at most max_norm, or clamp each gradient element to a range. Follows
// torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (PyTorch 1.13 docs); gradient norm
// clipping: Pascanu, Mikolov & Bengio, "On the difficulty of training RNNs", ICML 2013.
#pragma once

#include <vector>

#include "soma/core/tensor.h"

namespace soma::optim {

/// Scales the gradients of `params` in place by max_norm / (total_norm + 1e-6) when that is
/// below 1, where total_norm is the `norm_type`-norm of all gradients seen as one vector
/// (norm_type = infinity: the largest magnitude). Parameters without a gradient are skipped.
/// Returns total_norm, before clipping (0 when no parameter has a gradient).
///   loss.backward(); optim::clip_grad_norm(net.parameters(), 1.0); opt.step();
/// Throws soma::Error when max_norm < 0 or norm_type <= 0.
/// NOTE: a NaN total norm leaves the gradients unchanged (PyTorch turns them all to NaN).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2);

/// Clamps every gradient element of `params` to [-clip_value, clip_value], in place.
/// Parameters without a gradient are skipped. Throws soma::Error when clip_value < 0.
void clip_grad_value(const std::vector<Tensor>& params, double clip_value);

}  // namespace soma::optim
