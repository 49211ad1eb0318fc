// RBFN training outside autograd: k-means centres, nearest-centre widths (Moody & Darken's
// P-nearest-neighbour rule with P = 1), and the output layer's least squares by the normal
// equations and Cholesky. Why not QR (dgels): AᵀA is [K+1, K+1], built in row chunks, so the
// N x K design matrix of a 60,000-image set never exists at once; the ridge keeps the squared
// condition number of the normal equations in check.
#include "soma/classic/rbfn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cholesky.h"
#include "kernels/gemm.h"
#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/view.h"

namespace soma::classic {
namespace {

// Overwrites a parameter's values (outside autograd), converting to its dtype.
void assign(const Tensor& param, const Tensor& values) {
  const Tensor v = values.to(param.dtype());
  std::memcpy(param.raw_data(), v.raw_data(), std::size_t(v.numel()) * size_of(v.dtype()));
}

}  // namespace

Tensor nearest_centre_widths(const Tensor& centres, double scale) {
  SOMA_CHECK(centres.defined() && centres.dim() == 2 && centres.size(0) >= 2,
             "nearest_centre_widths: expects centres [K >= 2, F], got ", centres.defined() ? centres.shape() : Shape{});
  SOMA_CHECK(scale > 0, "nearest_centre_widths: scale must be positive, got ", scale);
  const std::int64_t k = centres.size(0);
  const Tensor d = squared_distances(centres, centres);
  double smallest = std::numeric_limits<double>::infinity();
  for (std::int64_t i = 0; i < k * k; ++i)
    if (d.data<double>()[i] > 0) smallest = std::min(smallest, d.data<double>()[i]);
  SOMA_CHECK(std::isfinite(smallest), "nearest_centre_widths: all ", k, " centres are equal");
  Tensor out = empty({k}, DType::f64);
  for (std::int64_t i = 0; i < k; ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < k; ++j)
      if (j != i) best = std::min(best, d.data<double>()[i * k + j]);
    out.data<double>()[i] = scale * std::sqrt(best > 0 ? best : smallest);
  }
  return out;
}

KMeansResult init_radial_basis(nn::RadialBasis& layer, const Tensor& x, const RbfInitOptions& options,
                               Generator& gen) {
  const std::int64_t k = layer.options().centres, in = layer.options().in;
  SOMA_CHECK(x.defined() && x.dim() == 2 && x.size(1) == in && x.size(0) >= k, "init_radial_basis: RadialBasis(",
             in, " -> ", k, ") needs x [N >= ", k, ", ", in, "], got ", x.defined() ? x.shape() : Shape{});
  KMeansResult result = kmeans(x, {.k = k, .iterations = options.kmeans_iterations}, gen);
  assign(layer.centres(), result.centres);
  assign(layer.widths(), k >= 2 ? nearest_centre_widths(result.centres, options.width_scale)
                                : full({1}, layer.options().width, DType::f64));
  return result;
}

double fit_output_least_squares(nn::RadialBasis& layer, nn::Dense& output, const Tensor& x, const Tensor& y,
                                double ridge) {
  const std::int64_t k = layer.options().centres, outs = output.options().out;
  SOMA_CHECK(output.options().in == k && output.options().bias, "fit_output_least_squares: the output Dense must be (",
             k, " -> out) with a bias, got (", output.options().in, " -> ", outs, ")",
             output.options().bias ? "" : " without a bias");
  SOMA_CHECK(ridge >= 0, "fit_output_least_squares: ridge must be >= 0, got ", ridge);
  layer.output_shape(x.shape());
  const std::int64_t n = x.size(0), a_cols = k + 1;
  SOMA_CHECK(n > 0, "fit_output_least_squares: x is empty");
  const bool labels = y.defined() && y.dtype() == DType::i64;
  SOMA_CHECK(y.defined() && (labels ? (y.dim() == 1 && y.size(0) == n) : (y.shape() == (Shape{n, outs}))),
             "fit_output_least_squares: expects y as int64 labels [", n, "] or float targets [", n, ", ", outs,
             "], got ", y.defined() ? std::string(name_of(y.dtype())) + " " + y.shape().str() : std::string("nothing"));
  Tensor targets = zeros({n, outs}, DType::f64);
  if (labels) {
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t c = y.data<std::int64_t>()[i];
      SOMA_CHECK(c >= 0 && c < outs, "fit_output_least_squares: label ", c, " at row ", i, " is outside [0, ", outs, ")");
      targets.data<double>()[i * outs + c] = 1;
    }
  } else {
    targets = y.to(DType::f64);
  }

  // G = AᵀA and R = YᵀA (the right-hand sides, one per output), chunk by chunk of rows.
  NoGradGuard no_grad;
  std::vector<double> G(std::size_t(a_cols * a_cols), 0.0), R(std::size_t(outs * a_cols), 0.0);
  const std::int64_t chunk = 4096;
  auto design = [&](std::int64_t first, std::int64_t rows) {  // A's rows [first, first + rows)
    const Tensor phi = layer.forward(slice(x, 0, first, first + rows).copy()).to(DType::f64);
    Tensor a = empty({rows, a_cols}, DType::f64);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::copy(phi.data<double>() + r * k, phi.data<double>() + (r + 1) * k, a.data<double>() + r * a_cols);
      a.data<double>()[r * a_cols + k] = 1;
    }
    return a;
  };
  for (std::int64_t first = 0; first < n; first += chunk) {
    const std::int64_t rows = std::min(chunk, n - first);
    const Tensor a = design(first, rows);
    kernels::gemm<double>(true, false, a_cols, a_cols, rows, 1.0, a.data<double>(), a_cols, a.data<double>(), a_cols,
                          1.0, G.data(), a_cols);
    kernels::gemm<double>(true, false, outs, a_cols, rows, 1.0, targets.data<double>() + first * outs, outs,
                          a.data<double>(), a_cols, 1.0, R.data(), a_cols);
  }
  for (std::int64_t j = 0; j < k; ++j) G[std::size_t(j * a_cols + j)] += ridge;
  SOMA_CHECK(kernels::cholesky_solve(G.data(), a_cols, R.data(), outs), "fit_output_least_squares: the normal ",
             "equations of RadialBasis(", layer.options().in, " -> ", k, ") on ", n, " rows are not positive definite ",
             "(more centres than distinct rows, or units that never fire); use a ridge > 0 (got ", ridge, ")");
  Tensor weight = empty({outs, k}, DType::f64), bias = empty({outs}, DType::f64);
  for (std::int64_t o = 0; o < outs; ++o) {
    std::copy(R.begin() + o * a_cols, R.begin() + o * a_cols + k, weight.data<double>() + o * k);
    bias.data<double>()[o] = R[std::size_t(o * a_cols + k)];
  }
  assign(output.weight(), weight);
  assign(output.bias(), bias);

  double error = 0;
  for (std::int64_t first = 0; first < n; first += chunk) {
    const std::int64_t rows = std::min(chunk, n - first);
    const Tensor a = design(first, rows);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t o = 0; o < outs; ++o) {
        double pred = 0;
        for (std::int64_t j = 0; j < a_cols; ++j) pred += a.data<double>()[r * a_cols + j] * R[std::size_t(o * a_cols + j)];
        const double diff = pred - targets.data<double>()[(first + r) * outs + o];
        error += diff * diff;
      }
  }
  return error / double(n * outs);
}

}  // namespace soma::classic
