// BoltzmannMachine: the general (unrestricted) Boltzmann machine of Ackley, Hinton & Sejnowski
// (1985): binary units s = (v, h), symmetric weights between every pair (visible-visible,
// hidden-hidden and visible-hidden), E(s) = -bᵀs - ½ sᵀW s, p(v, h) = exp(-E) / Z. For tiny
// sizes only: Z, p(v) and the learning rule's statistics are exact sums over all 2^units states.
// The RBM (rbm.h) is the special case with no visible-visible and no hidden-hidden weights.
// Formulas: docs/classic.md.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma::generative {

struct BoltzmannMachineOptions {
  std::int64_t visible = 0;  ///< visible units (> 0); units 0..visible-1 of s
  std::int64_t hidden = 0;   ///< hidden units (>= 0); units visible.. of s
  double lr = 0.1;           ///< learning rate of the update
  double init_std = 0.1;     ///< initial weights ~ N(0, init_std²), symmetric; biases 0
};

/// The largest visible + hidden that the exact sums enumerate (2^20 states).
inline constexpr std::int64_t kMaxBoltzmannUnits = 20;

/// The second-order statistics of the learning rule, each over units [units, units] and [units].
struct BoltzmannStatistics {
  Tensor pairs;   ///< <s_i s_j>, float64 [units, units]
  Tensor singles; ///< <s_i>, float64 [units]
};

/// A general Boltzmann machine in float64, weight [units, units] symmetric with a zero diagonal.
///   generative::BoltzmannMachine bm({.visible = 4, .hidden = 2});
///   for (int t = 0; t < 100; ++t) bm.step_exact(data);      // data [N, 4] of 0/1
///   double lp = bm.log_prob(data).data<double>()[0];
/// Throws soma::Error for visible <= 0, hidden < 0, more than 20 units, lr <= 0 or init_std < 0.
class BoltzmannMachine {
 public:
  explicit BoltzmannMachine(const BoltzmannMachineOptions& options, Generator& gen = default_generator());

  std::int64_t units() const { return options_.visible + options_.hidden; }
  const BoltzmannMachineOptions& options() const { return options_; }
  const Tensor& weight() const { return weight_; }  ///< W [units, units], symmetric, zero diagonal
  const Tensor& bias() const { return bias_; }      ///< b [units]
  /// Replaces W and b. Throws soma::Error unless W is [units, units], symmetric with a zero
  /// diagonal, and b is [units] (any floating dtype; stored as float64).
  void set_parameters(const Tensor& weight, const Tensor& bias);

  /// E(s) = -bᵀs - ½ sᵀW s for states s [N, units] of 0/1 -> float64 [N].
  Tensor energy(const Tensor& states) const;
  /// log Z = log Σ_s exp(-E(s)) over all 2^units states.
  double log_partition() const;
  /// log p(v) = log Σ_h exp(-E(v, h)) - log Z for v [N, visible] of 0/1 -> float64 [N].
  Tensor log_prob(const Tensor& v) const;

  /// `sweeps` sequential Gibbs sweeps from states [N, units]: each unit i in turn (the visible
  /// ones skipped when clamp_visible) becomes 1 with probability sigmoid(b_i + Σ_j W_ij s_j).
  /// Returns the new states.
  Tensor gibbs(const Tensor& states, int sweeps, Generator& gen, bool clamp_visible = false) const;

  /// <s sᵀ> and <s> with v from the rows of `v` [N, visible] and h ~ p(h | v) (exact: each row's
  /// posterior over the 2^hidden states), averaged over the rows: the "clamped" phase.
  BoltzmannStatistics data_statistics(const Tensor& v) const;
  /// <s sᵀ> and <s> under p(s) (exact: all 2^units states): the "free" phase.
  BoltzmannStatistics model_statistics() const;

  /// ΔW_ij = lr (<s_i s_j>_data - <s_i s_j>_model) (i ≠ j), Δb_i = lr (<s_i>_data - <s_i>_model)
  /// with the exact statistics: gradient ascent on the mean log p(v) of the rows of v.
  void step_exact(const Tensor& v);
  /// The same rule with sampled statistics: the clamped phase runs `sweeps` Gibbs sweeps of h
  /// from the persistent hidden states of the rows of v, the free phase `sweeps` sweeps of a
  /// persistent fantasy chain with one particle per row (started from v, h = 0 on the first
  /// call; its size is fixed by the first batch). Throws soma::Error for a batch of another size.
  void step_sampled(const Tensor& v, int sweeps, Generator& gen);

 private:
  void check_rows(const Tensor& t, std::int64_t width, const char* what) const;
  void apply(const BoltzmannStatistics& data, const BoltzmannStatistics& model);

  BoltzmannMachineOptions options_;
  Tensor weight_, bias_;
  Tensor clamped_, fantasy_;  // persistent chains of step_sampled
};

}  // namespace soma::generative
