// Som: the online rule m_k += α(t) h_ck(t) (x - m_k) and the batch map m_k = Σ h x / Σ h
// (Kohonen 2001, ch. 3), Gaussian neighbourhood on grid positions, exponential decay of σ and α.
// Quality: quantization error (mean distance to the BMU) and topographic error (Kiviluoto 1996:
// the share of rows whose two nearest prototypes are not grid neighbours).
#include "soma/classic/som.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "soma/classic/kmeans.h"
#include "soma/core/factory.h"

namespace soma::classic {
namespace {

constexpr double kNeighbour = 1.0 + 1e-9;  // grid neighbours are at distance 1 in both topologies

}  // namespace

SomTopology som_topology_from_name(const std::string& name) {
  if (name == "rectangular") return SomTopology::rectangular;
  if (name == "hexagonal") return SomTopology::hexagonal;
  SOMA_CHECK(false, "Som: topology must be \"rectangular\" or \"hexagonal\", got \"", name, "\"");
  return SomTopology::rectangular;
}

Som::Som(const SomOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.rows > 0 && options.cols > 0 && options.features > 0,
             "Som: rows, cols and features must be positive, got ", options.rows, ", ", options.cols, ", ",
             options.features);
  if (options_.sigma_start == 0) options_.sigma_start = double(std::max(options.rows, options.cols)) / 2;
  SOMA_CHECK(options_.sigma_start > 0 && options.sigma_end > 0, "Som: sigma_start must be >= 0 and sigma_end > 0, got ",
             options.sigma_start, " and ", options.sigma_end);
  SOMA_CHECK(options.lr_start > 0 && options.lr_start <= 1 && options.lr_end > 0 && options.lr_end <= 1,
             "Som: lr_start and lr_end must be in (0, 1], got ", options.lr_start, " and ", options.lr_end);
  codebook_ = register_buffer("codebook", uniform({units(), options.features}, 0, 1, gen, DType::f64));
  positions_ = empty({units(), 2}, DType::f64);
  const bool hex = options.topology == SomTopology::hexagonal;
  for (std::int64_t k = 0; k < units(); ++k) {
    const std::int64_t r = k / options.cols, c = k % options.cols;
    positions_.data<double>()[2 * k] = double(c) + (hex && r % 2 ? 0.5 : 0.0);
    positions_.data<double>()[2 * k + 1] = hex ? double(r) * std::sqrt(3.0) / 2 : double(r);
  }
}

void Som::check(const Tensor& x, const char* what) const {
  SOMA_CHECK(x.defined() && x.dim() == 2 && x.size(0) > 0 && x.size(1) == options_.features &&
                 is_floating(x.dtype()),
             "Som(", options_.rows, " x ", options_.cols, ") ", what, ": expects float rows [N > 0, ",
             options_.features, "] but receives ", x.defined() ? x.shape() : Shape{});
}

Shape Som::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() == 2 && input[1] == options_.features, "Som(", options_.rows, " x ", options_.cols,
             ") expects x [N, ", options_.features, "] but receives ", input);
  return {input[0], units()};
}

std::int64_t Som::flops(const Shape& input) const { return output_shape(input)[0] * options_.features * units(); }

Tensor Som::forward(const Tensor& x) {
  check(x, "forward");
  return squared_distances(x, codebook_);
}

Tensor Som::positions() const { return positions_.copy(); }

double Som::sigma_at(double progress) const {
  return options_.sigma_start * std::pow(options_.sigma_end / options_.sigma_start, std::clamp(progress, 0.0, 1.0));
}

double Som::lr_at(double progress) const {
  return options_.lr_start * std::pow(options_.lr_end / options_.lr_start, std::clamp(progress, 0.0, 1.0));
}

void Som::init_from_samples(const Tensor& x, Generator& gen) {
  check(x, "init_from_samples");
  const Tensor a = x.to(DType::f64);
  const std::int64_t n = a.size(0), f = options_.features;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[std::size_t(i)], order[gen.below(std::uint64_t(i + 1))]);
  for (std::int64_t k = 0; k < units(); ++k) {
    const std::int64_t row = order[std::size_t(k % n)];
    std::copy(a.data<double>() + row * f, a.data<double>() + (row + 1) * f, codebook_.data<double>() + k * f);
  }
}

Tensor Som::best_matching_units(const Tensor& x) const {
  check(x, "best_matching_units");
  const Tensor d = squared_distances(x, codebook_);
  const std::int64_t n = x.size(0), u = units();
  Tensor out = empty({n}, DType::i64);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = d.data<double>() + i * u;
    out.data<std::int64_t>()[i] = std::min_element(row, row + u) - row;
  }
  return out;
}

void Som::train_online(const Tensor& x, double progress_begin, double progress_end) {
  check(x, "train_online");
  const Tensor a = x.to(DType::f64);
  const std::int64_t n = a.size(0), f = options_.features, u = units();
  double* m = codebook_.data<double>();
  const double* pos = positions_.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = a.data<double>() + i * f;
    std::int64_t best = 0;
    double best_d = INFINITY;
    for (std::int64_t k = 0; k < u; ++k) {
      double d = 0;
      for (std::int64_t t = 0; t < f; ++t) d += (row[t] - m[k * f + t]) * (row[t] - m[k * f + t]);
      if (d < best_d) best_d = d, best = k;
    }
    const double progress = progress_begin + (progress_end - progress_begin) * double(i) / double(n);
    const double sigma = sigma_at(progress), lr = lr_at(progress);
    for (std::int64_t k = 0; k < u; ++k) {
      const double dx = pos[2 * k] - pos[2 * best], dy = pos[2 * k + 1] - pos[2 * best + 1];
      const double step = lr * std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      if (step < 1e-12) continue;
      for (std::int64_t t = 0; t < f; ++t) m[k * f + t] += step * (row[t] - m[k * f + t]);
    }
  }
}

void Som::train_batch(const Tensor& x, double progress) {
  check(x, "train_batch");
  const Tensor a = x.to(DType::f64), bmu = best_matching_units(x);
  const std::int64_t n = a.size(0), f = options_.features, u = units();
  const double sigma = sigma_at(progress);
  const double* pos = positions_.data<double>();
  // Rows sharing a BMU enter as their sum: Σ_i h_{c(i)k} x_i = Σ_c h_ck S_c, S_c the sum of c's rows.
  std::vector<double> sums(std::size_t(u * f), 0.0), counts(std::size_t(u), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = bmu.data<std::int64_t>()[i];
    counts[std::size_t(c)] += 1;
    for (std::int64_t t = 0; t < f; ++t) sums[std::size_t(c * f + t)] += a.data<double>()[i * f + t];
  }
  double* m = codebook_.data<double>();
  std::vector<double> numerator(static_cast<std::size_t>(f));
  for (std::int64_t k = 0; k < u; ++k) {
    std::fill(numerator.begin(), numerator.end(), 0.0);
    double denominator = 0;
    for (std::int64_t c = 0; c < u; ++c) {
      if (counts[std::size_t(c)] == 0) continue;
      const double dx = pos[2 * k] - pos[2 * c], dy = pos[2 * k + 1] - pos[2 * c + 1];
      const double h = std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      denominator += h * counts[std::size_t(c)];
      for (std::int64_t t = 0; t < f; ++t) numerator[std::size_t(t)] += h * sums[std::size_t(c * f + t)];
    }
    if (denominator > 1e-300)
      for (std::int64_t t = 0; t < f; ++t) m[k * f + t] = numerator[std::size_t(t)] / denominator;
  }
}

double Som::quantization_error(const Tensor& x) const {
  check(x, "quantization_error");
  const Tensor d = squared_distances(x, codebook_);
  const std::int64_t n = x.size(0), u = units();
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) total += std::sqrt(*std::min_element(d.data<double>() + i * u, d.data<double>() + (i + 1) * u));
  return total / double(n);
}

double Som::topographic_error(const Tensor& x) const {
  check(x, "topographic_error");
  SOMA_CHECK(units() >= 2, "Som topographic_error: needs at least 2 units");
  const Tensor d = squared_distances(x, codebook_);
  const std::int64_t n = x.size(0), u = units();
  const double* pos = positions_.data<double>();
  std::int64_t errors = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = d.data<double>() + i * u;
    std::int64_t first = 0, second = 1;
    if (row[second] < row[first]) std::swap(first, second);
    for (std::int64_t k = 2; k < u; ++k) {
      if (row[k] < row[first]) second = first, first = k;
      else if (row[k] < row[second]) second = k;
    }
    const double dx = pos[2 * first] - pos[2 * second], dy = pos[2 * first + 1] - pos[2 * second + 1];
    errors += std::sqrt(dx * dx + dy * dy) > kNeighbour;
  }
  return double(errors) / double(n);
}

Tensor Som::u_matrix() const {
  const std::int64_t u = units(), f = options_.features;
  const double *pos = positions_.data<double>(), *m = codebook_.data<double>();
  Tensor out = zeros({options_.rows, options_.cols}, DType::f64);
  for (std::int64_t k = 0; k < u; ++k) {
    double total = 0;
    int count = 0;
    for (std::int64_t j = 0; j < u; ++j) {
      const double dx = pos[2 * k] - pos[2 * j], dy = pos[2 * k + 1] - pos[2 * j + 1];
      if (j == k || std::sqrt(dx * dx + dy * dy) > kNeighbour) continue;
      double d = 0;
      for (std::int64_t t = 0; t < f; ++t) d += (m[k * f + t] - m[j * f + t]) * (m[k * f + t] - m[j * f + t]);
      total += std::sqrt(d);
      ++count;
    }
    out.data<double>()[k] = count ? total / count : 0.0;
  }
  return out;
}

}  // namespace soma::classic
