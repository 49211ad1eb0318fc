// RBM likelihood: exact log Z by enumeration and annealed importance sampling (AIS).
// With the hidden units summed out, p*(v) = exp(a·v) Π_j (1 + exp(b_j + (vW)_j)); with the
// visible ones, p*(h) = exp(b·h) Π_i (1 + exp(a_i + (Wh)_i)). Z sums either over its layer.
// AIS (Neal 2001; Salakhutdinov & Murray 2008, eq. 15 with W_A = 0, b_A = 0):
//   log p*_β(v) = ((1-β) a_A + β a)·v + Σ_j softplus(β (b_j + (vW)_j)),
// w = Π_k p*_βk(v_k) / p*_βk-1(v_k), v_1 ~ p_A, v_k+1 ~ T_βk(v_k) (one Gibbs sweep of p_βk),
// and E[w] = Z_B / Z_A with log Z_A = Σ_i softplus(a_A,i) + H log 2.
#include "soma/generative/rbm_likelihood.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "soma/core/factory.h"

namespace soma::generative {
namespace {

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

// A running log Σ exp(x_i) that never overflows: the sum is kept relative to its largest term.
struct LogSumExp {
  double max = -std::numeric_limits<double>::infinity(), sum = 0;
  void add(double x) {
    if (x <= max) {
      sum += std::exp(x - max);
    } else {
      sum = sum * std::exp(max - x) + 1;
      max = x;
    }
  }
  double value() const { return max + std::log(sum); }
};

std::vector<double> as_doubles(const Tensor& t) {
  const Tensor d = t.to(DType::f64);
  return std::vector<double>(d.data<double>(), d.data<double>() + d.numel());
}

// out [n, cols] = x [n, k] · B [k, cols] + bias (a GEMM in float64).
void affine(const double* x, std::int64_t n, std::int64_t k, const double* B, std::int64_t cols,
            const double* bias, double* out) {
  for (std::int64_t r = 0; r < n; ++r) std::copy(bias, bias + cols, out + r * cols);
  kernels::gemm<double>(false, false, n, cols, k, 1.0, x, k, B, cols, 1.0, out, cols);
}

// out[i] ~ Bernoulli(sigmoid(scale * z[i])).
void sample_sigmoid(const double* z, double scale, std::int64_t count, Generator& gen, double* out) {
  for (std::int64_t i = 0; i < count; ++i) out[i] = gen.uniform() * (1 + std::exp(-scale * z[i])) < 1 ? 1.0 : 0.0;
}

// β_0 = 0 < ... < β_K = 1: uniform over [0, 0.5], [0.5, 0.9], [0.9, 1] with 1/29, 8/29, 20/29
// of the K steps (Salakhutdinov & Murray's 500, 4000 and 10000).
std::vector<double> annealing_schedule(std::int64_t steps) {
  const std::int64_t first = std::max<std::int64_t>(1, steps / 29);
  const std::int64_t second = std::max<std::int64_t>(1, steps * 8 / 29);
  const std::int64_t third = std::max<std::int64_t>(1, steps - first - second);
  std::vector<double> beta{0.0};
  const double edges[] = {0.0, 0.5, 0.9, 1.0};
  const std::int64_t counts[] = {first, second, third};
  for (int piece = 0; piece < 3; ++piece)
    for (std::int64_t i = 1; i <= counts[piece]; ++i)
      beta.push_back(edges[piece] + (edges[piece + 1] - edges[piece]) * double(i) / double(counts[piece]));
  beta.back() = 1.0;
  return beta;
}

}  // namespace

double exact_log_partition(const Rbm& rbm) {
  const std::int64_t V = rbm.options().visible, H = rbm.options().hidden;
  const std::int64_t units = std::min(V, H);
  SOMA_CHECK(units <= kMaxEnumeratedUnits, "exact_log_partition: enumerates 2^min(visible, hidden) states, at most 2^",
             kMaxEnumeratedUnits, ", but the Rbm is ", V, " x ", H, "; estimate log Z with ais_log_partition");
  // Enumerate the smaller layer s (size S); the other layer (size O) is summed out:
  // log p*(s) = c·s + Σ_o softplus(d_o + (s M)_o), M = W [V, H] or Wᵀ [H, V].
  const bool over_visible = V <= H;
  const std::int64_t S = over_visible ? V : H, O = over_visible ? H : V;
  const std::vector<double> W = as_doubles(rbm.weight()), a = as_doubles(rbm.visible_bias()),
                            b = as_doubles(rbm.hidden_bias());
  std::vector<double> M(std::size_t(S * O));
  for (std::int64_t i = 0; i < V; ++i)
    for (std::int64_t j = 0; j < H; ++j) M[std::size_t(over_visible ? i * H + j : j * V + i)] = W[std::size_t(i * H + j)];
  const std::vector<double>& c = over_visible ? a : b;
  const std::vector<double>& d = over_visible ? b : a;
  const std::int64_t total = std::int64_t(1) << S, chunk = std::min<std::int64_t>(total, 4096);
  std::vector<double> states(std::size_t(chunk * S)), act(std::size_t(chunk * O));
  LogSumExp z;
  for (std::int64_t first = 0; first < total; first += chunk) {
    const std::int64_t n = std::min(chunk, total - first);
    for (std::int64_t r = 0; r < n; ++r)
      for (std::int64_t u = 0; u < S; ++u) states[std::size_t(r * S + u)] = double(((first + r) >> u) & 1);
    affine(states.data(), n, S, M.data(), O, d.data(), act.data());
    for (std::int64_t r = 0; r < n; ++r) {
      double term = 0;
      for (std::int64_t u = 0; u < S; ++u) term += c[std::size_t(u)] * states[std::size_t(r * S + u)];
      for (std::int64_t o = 0; o < O; ++o) term += softplus(act[std::size_t(r * O + o)]);
      z.add(term);
    }
  }
  return z.value();
}

Tensor log_prob(const Rbm& rbm, const Tensor& v, double log_z) {
  Tensor f = rbm.free_energy(v).to(DType::f64);  // checks v's shape, dtype and values
  const std::vector<double> x = as_doubles(v);
  for (std::size_t i = 0; i < x.size(); ++i)
    SOMA_CHECK(x[i] >= 0, "log_prob: v must not hold missing (-1) entries, found one at [", i / std::size_t(v.size(1)),
               ", ", i % std::size_t(v.size(1)), "]; p(v) is defined for complete vectors");
  Tensor out = empty({f.numel()}, DType::f64);
  for (std::int64_t r = 0; r < f.numel(); ++r) out.data<double>()[r] = -f.data<double>()[r] - log_z;
  return out;
}

Tensor base_rate_visible_bias(const Tensor& data) {
  SOMA_CHECK(data.defined() && data.dim() == 2 && data.size(0) > 0, "base_rate_visible_bias: expects data [N > 0, visible], got ",
             data.defined() ? data.shape() : Shape{});
  const std::int64_t n = data.size(0), V = data.size(1);
  const std::vector<double> x = as_doubles(data);
  Tensor out = zeros({V}, DType::f64);
  double* o = out.data<double>();
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t i = 0; i < V; ++i) {
      const double value = x[std::size_t(r * V + i)];
      SOMA_CHECK(value >= 0 && value <= 1, "base_rate_visible_bias: values must be in [0, 1], found ", value,
                 " at [", r, ", ", i, "]");
      o[i] += value;
    }
  for (std::int64_t i = 0; i < V; ++i) {
    const double p = (o[i] + 1) / double(n + 2);
    o[i] = std::log(p / (1 - p));
  }
  return out;
}

AisEstimate ais_log_partition(const Rbm& rbm, const AisOptions& options, Generator& gen) {
  const std::int64_t V = rbm.options().visible, H = rbm.options().hidden, M = options.runs;
  SOMA_CHECK(M >= 2, "ais_log_partition: runs must be at least 2 (the interval needs a spread), got ", M);
  SOMA_CHECK(options.steps >= 3, "ais_log_partition: steps must be at least 3, got ", options.steps);
  std::vector<double> base(std::size_t(V), 0.0);
  if (options.base_visible_bias.defined()) {
    const Tensor& bb = options.base_visible_bias;
    SOMA_CHECK(bb.dim() == 1 && bb.size(0) == V && is_floating(bb.dtype()),
               "ais_log_partition: base_visible_bias must be float [", V, "], got ", name_of(bb.dtype()), " ",
               bb.shape());
    base = as_doubles(bb);
  }
  const std::vector<double> W = as_doubles(rbm.weight()), a = as_doubles(rbm.visible_bias()),
                            b = as_doubles(rbm.hidden_bias());
  std::vector<double> Wt(std::size_t(H * V));
  for (std::int64_t i = 0; i < V; ++i)
    for (std::int64_t j = 0; j < H; ++j) Wt[std::size_t(j * V + i)] = W[std::size_t(i * H + j)];
  AisEstimate result;
  result.log_z_base = double(H) * std::log(2.0);
  for (double ai : base) result.log_z_base += softplus(ai);

  // v [M, V] ~ p_A, then for each β_k: log w += log p*_βk(v) - log p*_βk-1(v) and a Gibbs sweep.
  std::vector<double> v(std::size_t(M * V)), h(std::size_t(M * H)), z(std::size_t(M * H)), zv(std::size_t(M * V));
  std::vector<double> log_w(std::size_t(M), 0.0), bias(static_cast<std::size_t>(V)), zero_v(std::size_t(V), 0.0);
  for (std::int64_t r = 0; r < M; ++r) sample_sigmoid(base.data(), 1.0, V, gen, v.data() + r * V);
  const std::vector<double> beta = annealing_schedule(options.steps);
  auto log_p_star = [&](double bt, std::int64_t r) {  // uses z = b + vW of run r
    double s = 0;
    for (std::int64_t i = 0; i < V; ++i) s += ((1 - bt) * base[std::size_t(i)] + bt * a[std::size_t(i)]) * v[std::size_t(r * V + i)];
    for (std::int64_t j = 0; j < H; ++j) s += softplus(bt * z[std::size_t(r * H + j)]);
    return s;
  };
  for (std::size_t k = 1; k < beta.size(); ++k) {
    affine(v.data(), M, V, W.data(), H, b.data(), z.data());
    for (std::int64_t r = 0; r < M; ++r) log_w[std::size_t(r)] += log_p_star(beta[k], r) - log_p_star(beta[k - 1], r);
    if (k + 1 == beta.size()) break;
    // T_βk: h ~ p(h | v) = sigmoid(β z), v ~ p(v | h) = sigmoid((1-β) a_A + β (a + W h)).
    const double bt = beta[k];
    sample_sigmoid(z.data(), bt, M * H, gen, h.data());
    affine(h.data(), M, H, Wt.data(), V, a.data(), zv.data());
    for (std::int64_t r = 0; r < M; ++r)
      for (std::int64_t i = 0; i < V; ++i) {
        double& x = zv[std::size_t(r * V + i)];
        x = (1 - bt) * base[std::size_t(i)] + bt * x;
      }
    sample_sigmoid(zv.data(), 1.0, M * V, gen, v.data());
  }

  // r̂ and σ̂ relative to the largest weight, so that exp never overflows.
  const double top = *std::max_element(log_w.begin(), log_w.end());
  double mean = 0, square = 0;
  for (double lw : log_w) mean += std::exp(lw - top);
  mean /= double(M);
  for (double lw : log_w) square += (std::exp(lw - top) - mean) * (std::exp(lw - top) - mean);
  const double spread = 3 * std::sqrt(square / double(M - 1)) / std::sqrt(double(M));
  result.log_z = result.log_z_base + top + std::log(mean);
  result.log_z_high = result.log_z_base + top + std::log(mean + spread);
  result.log_z_low = mean > spread ? result.log_z_base + top + std::log(mean - spread)
                                   : -std::numeric_limits<double>::infinity();
  return result;
}

LogLikelihoodEstimate average_log_likelihood(const Rbm& rbm, const Tensor& v, const AisEstimate& log_z) {
  const Tensor lp = log_prob(rbm, v, 0.0);  // -F(v)
  SOMA_CHECK(lp.numel() > 0, "average_log_likelihood: v is empty");
  double mean = 0;
  for (std::int64_t r = 0; r < lp.numel(); ++r) mean += lp.data<double>()[r];
  mean /= double(lp.numel());
  return {mean - log_z.log_z, mean - log_z.log_z_high, mean - log_z.log_z_low};
}

}  // namespace soma::generative
