// gradcheck implementation (see gradcheck.h).
#include "support/gradcheck.h"

#include <cmath>
#include <sstream>

#include "soma/autograd/grad_mode.h"
#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"

namespace soma::test {
namespace {

bool all_finite(const Tensor& t) {
  const double* p = t.data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

struct PoisonGuard {
  PoisonGuard() { detail::set_poison_new_storage(true); }
  ~PoisonGuard() { detail::set_poison_new_storage(false); }
};

}  // namespace

Tensor random64(const Shape& shape, std::uint64_t seed, double mean, double std) {
  Generator gen(seed);
  return normal(shape, mean, std, gen, DType::f64);
}

::testing::AssertionResult gradcheck(const GradFunction& f, std::vector<Tensor> inputs,
                                     const GradcheckOptions& options) {
  for (auto& x : inputs) {
    if (x.dtype() != DType::f64) return ::testing::AssertionFailure() << "gradcheck needs float64 inputs";
    x = x.copy();
    x.set_requires_grad(true);
  }
  PoisonGuard poison;
  Generator gen(options.seed);

  // Analytic gradients, accumulated on top of a known random starting gradient.
  Tensor out = f(inputs);
  if (out.dtype() != DType::f64) return ::testing::AssertionFailure() << "output is not float64";
  if (!all_finite(out)) return ::testing::AssertionFailure() << "output is not finite: " << out;
  const Tensor r = normal(out.shape(), 0, 1, gen, DType::f64);
  std::vector<Tensor> start;
  for (auto& x : inputs) {
    start.push_back(normal(x.shape(), 0, 1, gen, DType::f64));
    x.set_grad(start.back().copy());
  }
  sum(mul(out, r)).backward();

  auto projected = [&]() {
    NoGradGuard no_grad;
    return sum(mul(f(inputs), r)).item();
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    const Tensor grad = x.grad();
    if (!grad.defined()) return ::testing::AssertionFailure() << "input " << k << " received no gradient";
    if (!all_finite(grad)) return ::testing::AssertionFailure() << "gradient of input " << k << " is not finite: " << grad;
    double* px = x.data<double>();
    const double* pg = grad.data<double>();
    const double* p0 = start[k].data<double>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const double saved = px[i];
      px[i] = saved + options.eps;
      const double plus = projected();
      px[i] = saved - options.eps;
      const double minus = projected();
      px[i] = saved;
      const double numeric = (plus - minus) / (2 * options.eps);
      const double analytic = pg[i] - p0[i];
      if (std::abs(analytic - numeric) > options.atol + options.rtol * std::abs(numeric))
        return ::testing::AssertionFailure() << "input " << k << " element " << i << ": analytic " << analytic
                                             << " vs numeric " << numeric << " (shape " << x.shape() << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace soma::test
