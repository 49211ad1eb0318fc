// Initializers: bounds and standard deviations as in torch.nn.init.
#include "soma/nn/init.h"

#include <cmath>
#include <cstring>

#include "soma/core/factory.h"

namespace soma::nn::init {
namespace {
// Overwrites t's values with fresh ones of the same shape and dtype.
void assign(const Tensor& t, const Tensor& values) {
  SOMA_CHECK(is_floating(t.dtype()), "init: expected a floating tensor, got ", name_of(t.dtype()));
  const Tensor v = values.to(t.dtype());
  std::memcpy(t.raw_data(), v.raw_data(), t.numel() * size_of(t.dtype()));
}

double fan(const Tensor& t, FanMode mode) {
  const auto [in, out] = fans(t);
  return mode == FanMode::fan_in ? in : out;
}
}  // namespace

std::pair<double, double> fans(const Tensor& t) {
  SOMA_CHECK(t.dim() >= 2, "init: fan in/out needs a weight with at least 2 dimensions, got shape ", t.shape());
  double receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= double(t.size(i));
  return {double(t.size(1)) * receptive, double(t.size(0)) * receptive};
}

void zeros_(const Tensor& t) { constant_(t, 0); }
void constant_(const Tensor& t, double value) { assign(t, full(t.shape(), value, DType::f64)); }

void normal_(const Tensor& t, double mean, double std, Generator& gen) {
  assign(t, soma::normal(t.shape(), mean, std, gen, DType::f64));
}

void uniform_(const Tensor& t, double low, double high, Generator& gen) {
  // Drawn in t's own dtype: a float64 draw just below `high` can round up to it in float32.
  assign(t, soma::uniform(t.shape(), low, high, gen, t.dtype()));
}

void xavier_uniform_(const Tensor& t, double gain, Generator& gen) {
  const auto [in, out] = fans(t);
  const double bound = gain * std::sqrt(6.0 / (in + out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, double gain, Generator& gen) {
  const auto [in, out] = fans(t);
  normal_(t, 0, gain * std::sqrt(2.0 / (in + out)), gen);
}

void kaiming_uniform_(const Tensor& t, double a, FanMode mode, Generator& gen) {
  const double gain = std::sqrt(2.0 / (1 + a * a));
  const double bound = gain * std::sqrt(3.0 / fan(t, mode));
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, FanMode mode, Generator& gen) {
  const double gain = std::sqrt(2.0 / (1 + a * a));
  normal_(t, 0, gain / std::sqrt(fan(t, mode)), gen);
}

}  // namespace soma::nn::init
