// Training a radial-basis-function network nn::Sequential{nn::RadialBasis, nn::Dense} the
// classic way (Moody & Darken 1989): centres by k-means, widths by the nearest-centre
// heuristic, and the linear output layer by an exact least-squares solve. The other way,
// gradient descent on all of it, is any optimizer through autograd. Formulas: docs/classic.md.
#pragma once

#include <cstdint>

#include "soma/classic/kmeans.h"
#include "soma/nn/dense.h"
#include "soma/nn/radial_basis.h"

namespace soma::classic {

/// σ_k = scale · min_{j≠k} ‖c_k - c_j‖ for centres [K, F], K >= 2 -> float64 [K]. Two equal
/// centres would give σ = 0: such a distance is replaced by the smallest positive one.
/// Throws soma::Error for K < 2, scale <= 0, or centres all equal.
Tensor nearest_centre_widths(const Tensor& centres, double scale = 1.0);

struct RbfInitOptions {
  int kmeans_iterations = 50;  ///< Lloyd iterations at most
  double width_scale = 1.0;    ///< the nearest-centre widths' factor
};

/// layer.centres() ← k-means of the rows of x [N, in] (k = the layer's centres, seeded from
/// `gen`), layer.widths() ← nearest_centre_widths. Returns the k-means result. Throws
/// soma::Error when x is not [N >= K, in], and whatever kmeans throws.
KMeansResult init_radial_basis(nn::RadialBasis& layer, const Tensor& x, const RbfInitOptions& options,
                               Generator& gen);

/// Sets output's weight [out, K] and bias [out] to the minimizer of
///   Σ_i ‖W φ(x_i) + b - y_i‖² + ridge ‖W‖²
/// (bias not penalized): the normal equations (AᵀA + ridge I') [W b]ᵀ = Aᵀ Y, A = [φ(X) 1],
/// solved by Cholesky (LAPACK dposv) in float64. y is int64 labels [N] in [0, out) (one-hot
/// targets) or float targets [N, out]. Returns the mean squared error Σ‖W φ + b - y‖² / (N out)
/// of the fit. Throws soma::Error for mismatched shapes, labels out of range, ridge < 0, a
/// Dense without bias or of the wrong size, or normal equations that are not positive definite
/// (then a ridge > 0 helps, and the message says so).
double fit_output_least_squares(nn::RadialBasis& layer, nn::Dense& output, const Tensor& x, const Tensor& y,
                                double ridge = 1e-8);

}  // namespace soma::classic
