// k-means: k-means++ seeding, then Lloyd's assign/update until no assignment changes.
// Distances by ‖x‖² - 2 x·c + ‖c‖²: one float64 GEMM per iteration.
#include "soma/classic/kmeans.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "soma/core/factory.h"

namespace soma::classic {
namespace {

void check_rows(const Tensor& x, const char* what) {
  SOMA_CHECK(x.defined() && x.dim() == 2 && x.size(0) > 0 && x.size(1) > 0 && is_floating(x.dtype()), what,
             ": expects float rows [N > 0, F > 0], got ", x.defined() ? x.shape() : Shape{});
}

// Index of the smallest entry of each row of d [N, K].
std::vector<std::int64_t> argmin_rows(const Tensor& d) {
  const std::int64_t n = d.size(0), k = d.size(1);
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = d.data<double>() + i * k;
    out[std::size_t(i)] = std::min_element(row, row + k) - row;
  }
  return out;
}

}  // namespace

Tensor squared_distances(const Tensor& x, const Tensor& centres) {
  check_rows(x, "squared_distances");
  check_rows(centres, "squared_distances");
  SOMA_CHECK(x.size(1) == centres.size(1), "squared_distances: x has ", x.size(1), " features but the centres have ",
             centres.size(1));
  const Tensor a = x.to(DType::f64), c = centres.to(DType::f64);
  const std::int64_t n = a.size(0), k = c.size(0), f = a.size(1);
  Tensor out = empty({n, k}, DType::f64);
  double* d = out.data<double>();
  kernels::gemm<double>(false, true, n, k, f, -2.0, a.data<double>(), f, c.data<double>(), f, 0.0, d, k);
  std::vector<double> cn(std::size_t(k), 0.0);
  for (std::int64_t j = 0; j < k; ++j)
    for (std::int64_t t = 0; t < f; ++t) cn[std::size_t(j)] += c.data<double>()[j * f + t] * c.data<double>()[j * f + t];
  for (std::int64_t i = 0; i < n; ++i) {
    double xn = 0;
    for (std::int64_t t = 0; t < f; ++t) xn += a.data<double>()[i * f + t] * a.data<double>()[i * f + t];
    for (std::int64_t j = 0; j < k; ++j) d[i * k + j] = std::max(0.0, d[i * k + j] + xn + cn[std::size_t(j)]);
  }
  return out;
}

KMeansResult kmeans(const Tensor& x, const KMeansOptions& options, Generator& gen) {
  check_rows(x, "kmeans");
  const std::int64_t n = x.size(0), f = x.size(1), k = options.k;
  SOMA_CHECK(k >= 1 && k <= n, "kmeans: k must be in [1, N = ", n, "], got ", k);
  SOMA_CHECK(options.iterations >= 0, "kmeans: iterations must be >= 0, got ", options.iterations);
  const Tensor a = x.to(DType::f64);
  const double* rows = a.data<double>();
  Tensor centres = empty({k, f}, DType::f64);
  double* c = centres.data<double>();

  // k-means++: each next centre is a row drawn with probability ∝ its squared distance to the
  // nearest centre chosen so far.
  std::vector<double> nearest(std::size_t(n), std::numeric_limits<double>::infinity());
  std::int64_t pick = std::int64_t(gen.below(std::uint64_t(n)));
  for (std::int64_t j = 0; j < k; ++j) {
    std::copy(rows + pick * f, rows + (pick + 1) * f, c + j * f);
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      double d = 0;
      for (std::int64_t t = 0; t < f; ++t) d += (rows[i * f + t] - c[j * f + t]) * (rows[i * f + t] - c[j * f + t]);
      nearest[std::size_t(i)] = std::min(nearest[std::size_t(i)], d);
      total += nearest[std::size_t(i)];
    }
    if (j + 1 == k) break;
    double target = gen.uniform() * total;
    pick = n - 1;
    for (std::int64_t i = 0; i < n; ++i) {
      target -= nearest[std::size_t(i)];
      if (target < 0 && nearest[std::size_t(i)] > 0) {
        pick = i;
        break;
      }
    }
  }

  KMeansResult result;
  std::vector<std::int64_t> assign = argmin_rows(squared_distances(a, centres));
  for (int it = 0; it < options.iterations; ++it) {
    std::vector<double> sums(std::size_t(k * f), 0.0);
    std::vector<std::int64_t> counts(std::size_t(k), 0);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t j = assign[std::size_t(i)];
      ++counts[std::size_t(j)];
      for (std::int64_t t = 0; t < f; ++t) sums[std::size_t(j * f + t)] += rows[i * f + t];
    }
    for (std::int64_t j = 0; j < k; ++j)
      if (counts[std::size_t(j)] > 0)
        for (std::int64_t t = 0; t < f; ++t) c[j * f + t] = sums[std::size_t(j * f + t)] / double(counts[std::size_t(j)]);
    result.iterations = it + 1;
    std::vector<std::int64_t> next = argmin_rows(squared_distances(a, centres));
    const bool moved = next != assign;
    assign = std::move(next);
    if (!moved) break;
  }
  const Tensor d = squared_distances(a, centres);
  result.assignments = empty({n}, DType::i64);
  for (std::int64_t i = 0; i < n; ++i) {
    result.assignments.data<std::int64_t>()[i] = assign[std::size_t(i)];
    result.inertia += d.data<double>()[i * k + assign[std::size_t(i)]];
  }
  result.centres = centres;
  return result;
}

}  // namespace soma::classic
