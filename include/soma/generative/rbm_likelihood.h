// The likelihood of a Bernoulli–Bernoulli RBM (rbm.h): Z = Σ_{v,h} exp(-E(v, h)) exactly, by
// enumerating the smaller layer (tiny RBMs), or estimated by annealed importance sampling
// (Salakhutdinov & Murray, "On the quantitative analysis of deep belief networks", ICML 2008)
// for an RBM of any size; and log p(v) = -F(v) - log Z from either. Formulas: docs/classic.md.
// Everything is computed in float64, whatever the RBM's dtype.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/generative/rbm.h"

namespace soma::generative {

/// The largest min(visible, hidden) exact_log_partition enumerates (2^24 states).
inline constexpr std::int64_t kMaxEnumeratedUnits = 24;

/// log Z exactly: a sum over the 2^min(visible, hidden) states of the smaller layer, the other
/// layer summed out in closed form. Throws soma::Error when min(visible, hidden) > 24.
double exact_log_partition(const Rbm& rbm);

/// log p(v) = -F(v) - log_z for v [N, visible] of values in [0, 1] -> float64 [N]. Throws
/// soma::Error as Rbm::free_energy does, and for missing (-1) entries.
Tensor log_prob(const Rbm& rbm, const Tensor& v, double log_z);

struct AisOptions {
  std::int64_t runs = 100;     ///< independent annealing runs M (> 1: the interval needs a spread)
  std::int64_t steps = 14500;  ///< intermediate distributions K (>= 3), β spaced as in the paper
  /// Visible biases a_A [visible] of the base-rate RBM (W = 0, b = 0); undefined: 0, the uniform
  /// distribution. base_rate_visible_bias(train) is the paper's choice and a better start.
  Tensor base_visible_bias = {};
};

/// log Ẑ with its interval: log Z_A + log(r̂ ∓ 3 σ̂/√M), r̂ and σ̂ the mean and standard deviation
/// of the M importance weights (the paper's "log(Ẑ ± 3σ̂)"). log_z_low is -inf when r̂ < 3σ̂/√M.
struct AisEstimate {
  double log_z = 0;
  double log_z_low = 0;
  double log_z_high = 0;
  double log_z_base = 0;  ///< log Z_A of the base-rate RBM, exact
};

/// Estimates log Z by annealing from the base-rate RBM A to `rbm` through the RBMs
/// p_β ∝ exp(-(1-β) E_A - β E_B), β_0 = 0 < β_1 < ... < β_K = 1 (β spaced uniformly over
/// [0, 0.5], [0.5, 0.9], [0.9, 1] with 1/29, 8/29, 20/29 of the steps, the paper's 500/4000/10000
/// split), one Gibbs sweep per β; all M runs at once. Throws soma::Error for runs < 2, steps < 3
/// or a base_visible_bias that is not float [visible].
AisEstimate ais_log_partition(const Rbm& rbm, const AisOptions& options, Generator& gen);

/// The base-rate visible biases log(p̄ / (1 - p̄)) of data [N, visible] in [0, 1], with
/// p̄ = (Σ v + 1) / (N + 2) per unit (Laplace smoothing keeps them finite) -> float64 [visible].
Tensor base_rate_visible_bias(const Tensor& data);

/// The mean log p(v) over v [N, visible] for an AIS estimate: mean(-F(v)) - log Ẑ, with the
/// interval that log Ẑ's interval gives (low from log_z_high, high from log_z_low).
struct LogLikelihoodEstimate {
  double mean = 0;
  double low = 0;
  double high = 0;
};
LogLikelihoodEstimate average_log_likelihood(const Rbm& rbm, const Tensor& v, const AisEstimate& log_z);

}  // namespace soma::generative
