// Weight penalties, Keras-style: a Regularizer attached to a layer's weight adds
// l1 * sum|w| + l2 * sum w^2 to Module::regularization_loss(), which the training loop adds
// to the data loss. NOTE: Keras' L2 has no 1/2, so l2(0.01) adds 0.02 w to the gradient: the
// same as PyTorch's SGD/Adam weight_decay = 0.02, but not AdamW's decoupled decay.
#pragma once

#include "soma/core/tensor.h"

namespace soma::nn {

/// Penalty coefficients; both must be finite and >= 0 (0 switches a term off).
///   nn::Dense fc({.in = 784, .out = 256, .kernel_regularizer = nn::l2(1e-4)});
struct Regularizer {
  double l1 = 0;  ///< coefficient of sum |w| (gradient l1 * sign(w), 0 at w = 0)
  double l2 = 0;  ///< coefficient of sum w^2 (gradient 2 * l2 * w)

  /// Throws soma::Error unless both coefficients are finite and >= 0.
  void check() const;
  /// l1 * sum|w| + l2 * sum w^2 as a 0-dim tensor of w's dtype, built from differentiable
  /// ops so that backward reaches w (both coefficients 0: a constant 0). Throws soma::Error
  /// as check() does, and for a w that is not float32/float64.
  Tensor operator()(const Tensor& w) const;
};

/// Keras' regularizers.l1(l1 = 0.01): l1 * sum|w|. Throws unless l1 is finite and >= 0.
Regularizer l1(double l1 = 0.01);
/// Keras' regularizers.l2(l2 = 0.01): l2 * sum w^2 (no 1/2). Throws unless finite and >= 0.
Regularizer l2(double l2 = 0.01);
/// Keras' regularizers.l1_l2(l1 = 0.01, l2 = 0.01): both terms.
Regularizer l1_l2(double l1 = 0.01, double l2 = 0.01);

}  // namespace soma::nn
