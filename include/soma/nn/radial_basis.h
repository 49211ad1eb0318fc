// RadialBasis: the hidden layer of a radial-basis-function network (Broomhead & Lowe 1988;
// Moody & Darken 1989): φ_k(x) = exp(-‖x - c_k‖² / (2 σ_k²)), one Gaussian bump per centre c_k
// of width σ_k. Centres and widths are parameters that autograd trains; classic/rbfn.h sets
// them from data (k-means, the nearest-centre widths) and solves the output layer exactly.
#pragma once

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::nn {

struct RadialBasisOptions {
  std::int64_t in = 0;       ///< input features (required, > 0)
  std::int64_t centres = 0;  ///< Gaussian units K (required, > 0)
  double width = 1.0;        ///< initial σ of every unit (> 0)
  DType dtype = DType::f32;  ///< dtype of centres and widths
};

/// φ [N, K] = exp(-‖x_n - c_k‖² / (2 σ_k²)) for x [N, F], centres [K, F], widths [K]: the
/// layer's forward as a function of tensors, differentiable in all three (ops only). Throws
/// soma::Error for other shapes or mixed dtypes.
Tensor radial_basis(const Tensor& x, const Tensor& centres, const Tensor& widths);

/// Gaussian radial-basis layer: x [N, in] -> φ [N, K]. Parameters "centres" [K, in], drawn
/// uniform in [-1, 1] from `gen`, and "widths" [K] (σ), all options.width. The squared distance
/// is ‖x‖² - 2 x·c + ‖c‖², clamped at 0 (rounding can make it slightly negative).
///   nn::Sequential rbfn{nn::RadialBasis({.in = 2, .centres = 20}), nn::Dense(20, 2)};  // an RBFN
/// Throws soma::Error for in, centres or width <= 0.
class RadialBasis : public Module {
 public:
  explicit RadialBasis(const RadialBasisOptions& options, Generator& gen = default_generator());

  /// x [N, in] -> [N, K]. Throws soma::Error naming the layer when x is not [N, in].
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "RadialBasis"; }
  /// [N, in] -> [N, K]; throws as forward() does.
  Shape output_shape(const Shape& input) const override;
  /// in * K multiply-adds per row (the distances' product; the exponentials are not counted).
  std::int64_t flops(const Shape& input) const override;

  const Tensor& centres() const { return centres_; }  ///< c [K, in]
  const Tensor& widths() const { return widths_; }    ///< σ [K]
  const RadialBasisOptions& options() const { return options_; }

 private:
  RadialBasisOptions options_;
  Tensor centres_, widths_;
};

}  // namespace soma::nn
