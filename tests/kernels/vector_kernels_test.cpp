// The loops built for several vector widths (kernels/multiversion.h) against the same formula
// evaluated one element at a time here, bit for bit: at every length from 0 to 70, so that
// each vector width's main loop and its remainder are both exercised, for float and double.
// A version that fused a multiply-add (different rounding) or mishandled a remainder fails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/add_into.h"
#include "kernels/bias.h"
#include "kernels/fast_math.h"
#include "kernels/activation.h"
#include "optim/adam_kernel.h"

namespace soma {
namespace {

// Equal bits (so -0 differs from +0), or both NaN (whatever their payloads).
template <class T>
bool same_bits(T a, T b) {
  return (a != a && b != b) || std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Values of both signs, zeros of both signs and NaN.
template <class T>
std::vector<T> mixed(std::int64_t n, int salt) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[i] = T(int((i + salt) * 7 % 13) - 6) / T(3);
  if (n > 5) v[5] = -T(0);
  if (n > 9) v[9] = std::numeric_limits<T>::quiet_NaN();
  return v;
}

// An activation's forward and backward loops against its scalar formulas at every length:
// run(x, y, gy, gx, n) calls both loops; expected_y(x) and expected_gx(gy, x, y) give one
// element each. `prepare` may change the inputs (mixed values, zeros of both signs, NaN).
template <class T, class Run, class ExpectedY, class ExpectedGx>
void check_activation(Run run, ExpectedY expected_y, ExpectedGx expected_gx,
                      void (*prepare)(std::vector<T>&) = nullptr) {
  for (std::int64_t n = 0; n <= 70; ++n) {
    std::vector<T> x = mixed<T>(n, 0);
    if (prepare) prepare(x);
    const std::vector<T> gy = mixed<T>(n, 5);
    std::vector<T> y(x.size()), gx(x.size());
    run(x.data(), y.data(), gy.data(), gx.data(), n);
    for (std::int64_t i = 0; i < n; ++i) {
      const T want_y = expected_y(x[i]), want_gx = expected_gx(gy[i], x[i], y[i]);
      EXPECT_TRUE(same_bits(y[i], want_y)) << "n " << n << " i " << i << ": " << y[i] << " vs " << want_y;
      EXPECT_TRUE(same_bits(gx[i], want_gx)) << "n " << n << " i " << i << ": " << gx[i] << " vs " << want_gx;
    }
  }
}

template <class T>
void check_relu() {
  check_activation<T>(
      [](const T* x, T* y, const T* gy, T* gx, std::int64_t n) {
        kernels::relu_forward(x, y, n);
        kernels::relu_backward(gy, y, gx, n);
      },
      [](T x) { return x < T(0) ? T(0) : x; }, [](T gy, T, T y) { return y > T(0) ? gy : T(0); });
}

TEST(VectorKernels, ReluMatchesTheScalarFormulaAtEveryLength) {
  check_relu<float>();
  check_relu<double>();
}

template <class T>
void check_leaky_relu() {
  const T slope = T(0.2);
  check_activation<T>(
      [slope](const T* x, T* y, const T* gy, T* gx, std::int64_t n) {
        kernels::leaky_relu_forward(x, y, slope, n);
        kernels::leaky_relu_backward(gy, x, gx, slope, n);
      },
      [slope](T x) { return x > T(0) ? x : slope * x; },
      [slope](T gy, T x, T) { return x > T(0) ? gy : slope * gy; });
}

TEST(VectorKernels, LeakyReluMatchesTheScalarFormulaAtEveryLength) {
  check_leaky_relu<float>();
  check_leaky_relu<double>();
}

// float tanh: the vector loop against tanh_fast one element at a time (both branches of its
// select, the saturated ends and NaN); double against libm's tanh. Backward: gy (1 - y^2).
template <class T>
void check_tanh() {
  check_activation<T>(
      [](const T* x, T* y, const T* gy, T* gx, std::int64_t n) {
        kernels::tanh_forward(x, y, n);
        kernels::tanh_backward(gy, y, gx, n);
      },
      [](T x) {
        if constexpr (sizeof(T) == 4) return kernels::tanh_fast(x);
        else return std::tanh(x);
      },
      [](T gy, T, T y) { return gy * (T(1) - y * y); },
      [](std::vector<T>& x) {
        for (std::size_t i = 0; i < x.size(); i += 4) x[i] *= T(0.2);  // some below 0.625 in magnitude
        if (x.size() > 11) x[11] = T(60);
      });
}

TEST(VectorKernels, TanhMatchesTheScalarFunctionAtEveryLength) {
  check_tanh<float>();
  check_tanh<double>();
}

template <class T>
void check_add_into() {
  for (std::int64_t n = 0; n <= 70; ++n) {
    const std::vector<T> a = mixed<T>(n, 1), b = mixed<T>(n, 6);
    std::vector<T> sum = a;
    kernels::add_into(sum.data(), b.data(), n);
    for (std::int64_t i = 0; i < n; ++i)
      EXPECT_TRUE(same_bits(sum[i], T(a[i] + b[i]))) << "n " << n << " i " << i << ": " << sum[i];
  }
}

TEST(VectorKernels, AddIntoMatchesTheScalarSumAtEveryLength) {
  check_add_into<float>();
  check_add_into<double>();
}

template <class T>
void check_bias() {
  for (std::int64_t rows : {0, 1, 3})
    for (std::int64_t n = 0; n <= 70; ++n) {
      const std::vector<T> x = mixed<T>(rows * n, 2), row = mixed<T>(n, 7);
      std::vector<T> sums(static_cast<std::size_t>(n), T(99)), filled(x.size(), T(99));
      kernels::sum_rows(x.data(), sums.data(), rows, n);
      kernels::fill_rows(row.data(), filled.data(), rows, n);
      for (std::int64_t j = 0; j < n; ++j) {
        T expected = T(0);
        for (std::int64_t r = 0; r < rows; ++r) expected += x[r * n + j];
        EXPECT_TRUE(same_bits(sums[j], expected)) << "rows " << rows << " n " << n << " j " << j;
        for (std::int64_t r = 0; r < rows; ++r)
          EXPECT_TRUE(same_bits(filled[r * n + j], row[j])) << "rows " << rows << " n " << n << " j " << j;
      }
    }
}

TEST(VectorKernels, BiasRowsMatchTheScalarLoopsAtEveryLength) {
  check_bias<float>();
  check_bias<double>();
}

// One Adam step of element i, written out as adam_kernel.cpp's loop computes it.
template <class T>
void adam_scalar(T& p, T g, T& m, T& v, T* v_max, const optim::detail::AdamStep& s) {
  T d = g;
  if (s.l2 != 0) d += T(s.l2) * p;
  if (s.decoupled_factor != 1) p *= T(s.decoupled_factor);
  m = m * T(s.beta1) + T(1 - s.beta1) * d;
  v = v * T(s.beta2) + T(1 - s.beta2) * d * d;
  T second = v;
  if (v_max) {
    *v_max = v != v || v > *v_max ? v : *v_max;
    second = *v_max;
  }
  p += T(-s.step_size) * m / (std::sqrt(second) / T(s.bias_correction2_sqrt) + T(s.eps));
}

template <class T>
void check_adam(double l2, double decoupled_factor, bool amsgrad) {
  for (std::int64_t n = 0; n <= 70; ++n) {
    std::vector<T> p = mixed<T>(n, 1), g = mixed<T>(n, 2), m = mixed<T>(n, 3), v = mixed<T>(n, 4);
    for (auto* values : {&p, &g, &m})
      for (T& e : *values)
        if (e != e) e = T(0.25);  // NaN only where it tests something: in v (propagates)
    for (T& e : v) e = std::abs(e);
    std::vector<T> v_max(v.size(), T(0.5));
    std::vector<T> ep = p, em = m, ev = v, ev_max = v_max;
    // Step 3 of a run with lr 1e-3, so that the bias corrections are not 1.
    const auto s = optim::detail::adam_step(1e-3, 0.9, 0.999, 1e-8, 3, l2, decoupled_factor);
    optim::detail::adam_update(p.data(), g.data(), m.data(), v.data(), amsgrad ? v_max.data() : nullptr, n, s);
    for (std::int64_t i = 0; i < n; ++i) {
      adam_scalar(ep[i], g[i], em[i], ev[i], amsgrad ? &ev_max[i] : nullptr, s);
      const std::string where = "n " + std::to_string(n) + " i " + std::to_string(i) + " l2 " + std::to_string(l2) +
                                " factor " + std::to_string(decoupled_factor) + " amsgrad " + std::to_string(amsgrad);
      EXPECT_TRUE(same_bits(p[i], ep[i])) << where << ": p " << p[i] << " vs " << ep[i];
      EXPECT_TRUE(same_bits(m[i], em[i])) << where << ": m";
      EXPECT_TRUE(same_bits(v[i], ev[i])) << where << ": v";
      EXPECT_TRUE(same_bits(v_max[i], ev_max[i])) << where << ": v_max";
    }
  }
}

TEST(VectorKernels, AdamMatchesTheScalarFormulaAtEveryLength) {
  for (double l2 : {0.0, 0.01})
    for (double factor : {1.0, 0.99})
      for (bool amsgrad : {false, true}) {
        check_adam<float>(l2, factor, amsgrad);
        check_adam<double>(l2, factor, amsgrad);
      }
}

}  // namespace
}  // namespace soma
