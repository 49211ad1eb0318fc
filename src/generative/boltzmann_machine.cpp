// BoltzmannMachine: exact sums over every state (tiny machines), sequential Gibbs sweeps and the
// Ackley–Hinton–Sejnowski learning rule ∂ log p(v) / ∂W_ij = <s_i s_j>_clamped - <s_i s_j>_free.
#include "soma/generative/boltzmann_machine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "soma/core/factory.h"

namespace soma::generative {
namespace {

// log Σ exp(x_i) of a list, stable.
double log_sum_exp(const std::vector<double>& x) {
  const double top = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (double value : x) sum += std::exp(value - top);
  return top + std::log(sum);
}

// The bits of `index` as 0/1 values in s[offset .. offset + count).
void write_bits(std::uint64_t index, std::int64_t count, double* s) {
  for (std::int64_t u = 0; u < count; ++u) s[u] = double((index >> u) & 1);
}

}  // namespace

BoltzmannMachine::BoltzmannMachine(const BoltzmannMachineOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.visible > 0 && options.hidden >= 0, "BoltzmannMachine: visible must be > 0 and hidden >= 0, got ",
             options.visible, " and ", options.hidden);
  SOMA_CHECK(units() <= kMaxBoltzmannUnits, "BoltzmannMachine: at most ", kMaxBoltzmannUnits,
             " units (its sums enumerate 2^units states), got ", units());
  SOMA_CHECK(options.lr > 0, "BoltzmannMachine: lr must be positive, got ", options.lr);
  SOMA_CHECK(options.init_std >= 0, "BoltzmannMachine: init_std must be >= 0, got ", options.init_std);
  const std::int64_t n = units();
  weight_ = zeros({n, n}, DType::f64);
  bias_ = zeros({n}, DType::f64);
  double* w = weight_.data<double>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j) w[i * n + j] = w[j * n + i] = options.init_std * gen.normal();
}

void BoltzmannMachine::set_parameters(const Tensor& weight, const Tensor& bias) {
  const std::int64_t n = units();
  SOMA_CHECK(weight.defined() && weight.shape() == (Shape{n, n}) && is_floating(weight.dtype()),
             "BoltzmannMachine: weight must be float [", n, ", ", n, "], got ",
             weight.defined() ? weight.shape() : Shape{});
  SOMA_CHECK(bias.defined() && bias.shape() == (Shape{n}) && is_floating(bias.dtype()),
             "BoltzmannMachine: bias must be float [", n, "], got ", bias.defined() ? bias.shape() : Shape{});
  const Tensor w = weight.to(DType::f64);
  const double* p = w.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    SOMA_CHECK(p[i * n + i] == 0, "BoltzmannMachine: weight must have a zero diagonal, found ", p[i * n + i], " at [",
               i, ", ", i, "]");
    for (std::int64_t j = 0; j < i; ++j)
      SOMA_CHECK(p[i * n + j] == p[j * n + i], "BoltzmannMachine: weight must be symmetric, found ", p[i * n + j],
                 " at [", i, ", ", j, "] and ", p[j * n + i], " at [", j, ", ", i, "]");
  }
  weight_ = w.copy();
  bias_ = bias.to(DType::f64).copy();
}

void BoltzmannMachine::check_rows(const Tensor& t, std::int64_t width, const char* what) const {
  SOMA_CHECK(t.defined() && t.dim() == 2 && t.size(1) == width && is_floating(t.dtype()), "BoltzmannMachine(",
             options_.visible, " visible, ", options_.hidden, " hidden) ", what, ": expects float [N, ", width,
             "] but receives ", t.defined() ? t.shape() : Shape{});
  const Tensor d = t.to(DType::f64);
  for (std::int64_t i = 0; i < d.numel(); ++i) {
    const double x = d.data<double>()[i];
    SOMA_CHECK(x == 0 || x == 1, "BoltzmannMachine ", what, ": states must be 0 or 1, found ", x, " at [", i / width,
               ", ", i % width, "]");
  }
}

// -E(s) for one state s [units].
static double negative_energy(const double* w, const double* b, const double* s, std::int64_t n) {
  double e = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (s[i] == 0) continue;
    e += b[i];
    for (std::int64_t j = i + 1; j < n; ++j) e += w[i * n + j] * s[j];  // ½ sᵀWs counts each pair once
  }
  return e;
}

// terms[k] = -E(v, h) for every h (h's bits = k), s = (v, h) as scratch [units].
static void clamped_terms(const double* w, const double* b, const double* v, std::int64_t V, std::int64_t H,
                          std::vector<double>& s, std::vector<double>& terms) {
  std::copy(v, v + V, s.begin());
  for (std::uint64_t k = 0; k < terms.size(); ++k) {
    write_bits(k, H, s.data() + V);
    terms[k] = negative_energy(w, b, s.data(), V + H);
  }
}

Tensor BoltzmannMachine::energy(const Tensor& states) const {
  check_rows(states, units(), "energy");
  const Tensor s = states.to(DType::f64);
  const std::int64_t rows = s.size(0), n = units();
  Tensor out = empty({rows}, DType::f64);
  for (std::int64_t r = 0; r < rows; ++r)
    out.data<double>()[r] = -negative_energy(weight_.data<double>(), bias_.data<double>(), s.data<double>() + r * n, n);
  return out;
}

double BoltzmannMachine::log_partition() const {
  const std::int64_t n = units();
  std::vector<double> terms(std::size_t(1) << n), s(static_cast<std::size_t>(n));
  for (std::uint64_t k = 0; k < terms.size(); ++k) {
    write_bits(k, n, s.data());
    terms[k] = negative_energy(weight_.data<double>(), bias_.data<double>(), s.data(), n);
  }
  return log_sum_exp(terms);
}

Tensor BoltzmannMachine::log_prob(const Tensor& v) const {
  check_rows(v, options_.visible, "log_prob");
  const Tensor x = v.to(DType::f64);
  const std::int64_t rows = x.size(0), n = units(), V = options_.visible, H = options_.hidden;
  const double log_z = log_partition();
  Tensor out = empty({rows}, DType::f64);
  std::vector<double> terms(std::size_t(1) << H), s(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < rows; ++r) {
    clamped_terms(weight_.data<double>(), bias_.data<double>(), x.data<double>() + r * V, V, H, s, terms);
    out.data<double>()[r] = log_sum_exp(terms) - log_z;
  }
  return out;
}

Tensor BoltzmannMachine::gibbs(const Tensor& states, int sweeps, Generator& gen, bool clamp_visible) const {
  check_rows(states, units(), "gibbs");
  SOMA_CHECK(sweeps >= 0, "BoltzmannMachine gibbs: sweeps must be >= 0, got ", sweeps);
  Tensor s = states.to(DType::f64).copy();
  const std::int64_t rows = s.size(0), n = units();
  const double *w = weight_.data<double>(), *b = bias_.data<double>();
  for (std::int64_t r = 0; r < rows; ++r) {
    double* x = s.data<double>() + r * n;
    for (int t = 0; t < sweeps; ++t)
      for (std::int64_t i = clamp_visible ? options_.visible : 0; i < n; ++i) {
        double field = b[i];
        for (std::int64_t j = 0; j < n; ++j) field += w[i * n + j] * x[j];
        x[i] = gen.uniform() * (1 + std::exp(-field)) < 1 ? 1.0 : 0.0;  // u < sigmoid(field)
      }
  }
  return s;
}

// Adds weight * s sᵀ and weight * s to the statistics.
static void accumulate(const double* s, std::int64_t n, double weight, BoltzmannStatistics& stats) {
  double *pairs = stats.pairs.data<double>(), *singles = stats.singles.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (s[i] == 0) continue;
    singles[i] += weight;
    for (std::int64_t j = 0; j < n; ++j) pairs[i * n + j] += weight * s[j];
  }
}

BoltzmannStatistics BoltzmannMachine::data_statistics(const Tensor& v) const {
  check_rows(v, options_.visible, "data_statistics");
  SOMA_CHECK(v.size(0) > 0, "BoltzmannMachine data_statistics: v is empty");
  const Tensor x = v.to(DType::f64);
  const std::int64_t rows = x.size(0), n = units(), V = options_.visible, H = options_.hidden;
  BoltzmannStatistics stats{zeros({n, n}, DType::f64), zeros({n}, DType::f64)};
  std::vector<double> terms(std::size_t(1) << H), s(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < rows; ++r) {
    clamped_terms(weight_.data<double>(), bias_.data<double>(), x.data<double>() + r * V, V, H, s, terms);
    const double norm = log_sum_exp(terms);
    for (std::uint64_t k = 0; k < terms.size(); ++k) {  // p(h | v) / rows
      write_bits(k, H, s.data() + V);
      accumulate(s.data(), n, std::exp(terms[k] - norm) / double(rows), stats);
    }
  }
  return stats;
}

BoltzmannStatistics BoltzmannMachine::model_statistics() const {
  const std::int64_t n = units();
  const double log_z = log_partition();
  BoltzmannStatistics stats{zeros({n, n}, DType::f64), zeros({n}, DType::f64)};
  std::vector<double> s(static_cast<std::size_t>(n));
  for (std::uint64_t k = 0; k < (std::uint64_t(1) << n); ++k) {
    write_bits(k, n, s.data());
    accumulate(s.data(), n, std::exp(negative_energy(weight_.data<double>(), bias_.data<double>(), s.data(), n) - log_z),
               stats);
  }
  return stats;
}

void BoltzmannMachine::apply(const BoltzmannStatistics& data, const BoltzmannStatistics& model) {
  const std::int64_t n = units();
  double *w = weight_.data<double>(), *b = bias_.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    b[i] += options_.lr * (data.singles.data<double>()[i] - model.singles.data<double>()[i]);
    for (std::int64_t j = 0; j < n; ++j)
      if (i != j) w[i * n + j] += options_.lr * (data.pairs.data<double>()[i * n + j] - model.pairs.data<double>()[i * n + j]);
  }
}

void BoltzmannMachine::step_exact(const Tensor& v) { apply(data_statistics(v), model_statistics()); }

void BoltzmannMachine::step_sampled(const Tensor& v, int sweeps, Generator& gen) {
  check_rows(v, options_.visible, "step_sampled");
  SOMA_CHECK(sweeps >= 1, "BoltzmannMachine step_sampled: sweeps must be >= 1, got ", sweeps);
  const std::int64_t rows = v.size(0), n = units(), V = options_.visible;
  SOMA_CHECK(rows > 0, "BoltzmannMachine step_sampled: v is empty");
  if (!fantasy_.defined()) {
    clamped_ = zeros({rows, n}, DType::f64);
    fantasy_ = zeros({rows, n}, DType::f64);
    const Tensor x = v.to(DType::f64);
    for (std::int64_t r = 0; r < rows; ++r)
      std::copy(x.data<double>() + r * V, x.data<double>() + (r + 1) * V, fantasy_.data<double>() + r * n);
  }
  SOMA_CHECK(rows == fantasy_.size(0), "BoltzmannMachine step_sampled: the persistent chains hold ", fantasy_.size(0),
             " rows (the first batch's size) but the batch has ", rows);
  const Tensor x = v.to(DType::f64);
  for (std::int64_t r = 0; r < rows; ++r)
    std::copy(x.data<double>() + r * V, x.data<double>() + (r + 1) * V, clamped_.data<double>() + r * n);
  clamped_ = gibbs(clamped_, sweeps, gen, true);
  fantasy_ = gibbs(fantasy_, sweeps, gen, false);
  BoltzmannStatistics data{zeros({n, n}, DType::f64), zeros({n}, DType::f64)};
  BoltzmannStatistics model{zeros({n, n}, DType::f64), zeros({n}, DType::f64)};
  for (std::int64_t r = 0; r < rows; ++r) {
    accumulate(clamped_.data<double>() + r * n, n, 1.0 / double(rows), data);
    accumulate(fantasy_.data<double>() + r * n, n, 1.0 / double(rows), model);
  }
  apply(data, model);
}

}  // namespace soma::generative
