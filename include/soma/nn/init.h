// Weight initializers with torch.nn.init's names: each overwrites a tensor's values in place
// (outside the graph), drawing from `gen`. They take the handle as const, so a layer's
// parameter is re-initialized directly: init::normal_(dense.weight(), 0, 0.1, gen). Fans follow
// PyTorch: for [out, in, k...] fan_in = in * prod(k), fan_out = out * prod(k).
#pragma once

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma::nn::init {

enum class FanMode { fan_in, fan_out };

void zeros_(const Tensor& t);
void constant_(const Tensor& t, double value);
/// N(mean, std^2) — the lecture's N(0, 0.1) is normal_(w, 0, 0.1).
void normal_(const Tensor& t, double mean = 0, double std = 1, Generator& gen = default_generator());
void uniform_(const Tensor& t, double low = 0, double high = 1, Generator& gen = default_generator());
/// Glorot/Xavier: U(±gain*sqrt(6/(fan_in+fan_out))).
void xavier_uniform_(const Tensor& t, double gain = 1, Generator& gen = default_generator());
/// Glorot/Xavier: N(0, gain^2 * 2/(fan_in+fan_out)).
void xavier_normal_(const Tensor& t, double gain = 1, Generator& gen = default_generator());
/// He/Kaiming for leaky ReLU slope `a` (0 for ReLU): U(±sqrt(2/(1+a^2)) * sqrt(3/fan)).
void kaiming_uniform_(const Tensor& t, double a = 0, FanMode mode = FanMode::fan_in,
                      Generator& gen = default_generator());
/// He/Kaiming: N(0, 2/((1+a^2) fan)).
void kaiming_normal_(const Tensor& t, double a = 0, FanMode mode = FanMode::fan_in,
                     Generator& gen = default_generator());

/// (fan_in, fan_out) of a weight of at least 2 dimensions; throws otherwise.
std::pair<double, double> fans(const Tensor& t);

}  // namespace soma::nn::init
