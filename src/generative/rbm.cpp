// Rbm: the conditionals, free energy and the CD-k / persistent-CD update as raw loops and
// GEMMs over the parameters' memory (the update is not a gradient of a loss autograd could
// see). The two outer products of ΔW run as one product: [v0; vk]ᵀ [p(h0|v0); -p(hk|vk)].
// In a step, products whose left operand is 0/1 (the samples, and binary data) are sums of
// selected rows (kernels/binary_gemm.h) where the CPU makes that faster than a GEMM.
#include "soma/generative/rbm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/activation.h"
#include "kernels/binary_gemm.h"
#include "kernels/gemm.h"
#include "soma/core/factory.h"
#include "soma/ops/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/linalg.h"
#include "soma/ops/view.h"

namespace soma::generative {
namespace {

// out [n, cols] = sigmoid(bias + x op(W)): op(W) is W [rows=k, cols] or Wᵀ for W [cols, k].
template <class T>
void affine_sigmoid(const T* x, std::int64_t n, std::int64_t k, const T* W, bool transpose_w, std::int64_t cols,
                    const T* bias, T* out) {
  for (std::int64_t r = 0; r < n; ++r) std::memcpy(out + r * cols, bias, sizeof(T) * std::size_t(cols));
  // W is stored [visible, hidden]: for p(h|v) it is [k, cols], for p(v|h) it is [cols, k] (ldb = k).
  kernels::gemm<T>(false, transpose_w, n, cols, k, T(1), x, k, W, transpose_w ? k : cols, T(1), out, cols);
  kernels::sigmoid_forward(out, out, n * cols);
}

// out [n, cols] = sigmoid(bias + x B) for x [n, k] and B [k, cols]. With bits (x is 0/1, as
// kernels::binary_bits gives them) the rows of B that x selects are summed; else a GEMM.
template <class T>
void affine_sigmoid_rows(const T* x, const std::uint64_t* bits, std::int64_t n, std::int64_t k, const T* B,
                         std::int64_t cols, const T* bias, T* out) {
  if (!bits) return affine_sigmoid(x, n, k, B, false, cols, bias, out);
  kernels::binary_gemm<T>(n, cols, k, bits, B, cols, bias, out, cols);
  kernels::sigmoid_forward(out, out, n * cols);
}

// x [rows, cols] as bits when the row-sum kernels are used (`fast`) and x is 0/1; else null.
template <class T>
const std::uint64_t* bits_if_binary(bool fast, const T* x, std::int64_t rows, std::int64_t cols,
                                    std::uint64_t* bits) {
  return fast && kernels::binary_bits(x, rows, cols, cols, bits) ? bits : nullptr;
}

// Bernoulli draws in row-major order: out = (u < p) with u = (w >> 8) * 2^-24, w a 32-bit draw
// of gen.fill_u32 (two per engine output). 24 bits make u exact in float as in double, so the
// comparison vectorizes and gives the same answer for both dtypes.
template <class T>
void sample(const T* p, std::int64_t count, Generator& gen, T* out) {
  static thread_local std::vector<std::uint32_t> words;
  if (std::int64_t(words.size()) < count) words.resize(std::size_t(count));
  gen.fill_u32(words.data(), count);
  const std::uint32_t* w = words.data();
#pragma omp simd
  for (std::int64_t i = 0; i < count; ++i)
    out[i] = T(std::int32_t(w[i] >> 8)) * T(0x1.0p-24) < p[i] ? T(1) : T(0);
}

// Missing entries (< 0) become 0: they add nothing to b + vW, nor to any outer product.
template <class T>
bool observed_part(const T* v, std::int64_t count, T* out) {
  int missing = 0;
#pragma omp simd reduction(| : missing)
  for (std::int64_t i = 0; i < count; ++i) {
    missing |= v[i] < 0;
    out[i] = v[i] < 0 ? T(0) : v[i];
  }
  return missing != 0;
}

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

}  // namespace

Rbm::Rbm(const RbmOptions& options, Generator& gen) : options_(options) {
  SOMA_CHECK(options.visible > 0 && options.hidden > 0, "Rbm: visible and hidden must be positive, got visible = ",
             options.visible, ", hidden = ", options.hidden);
  SOMA_CHECK(options.k >= 1, "Rbm: k (Gibbs steps) must be at least 1, got ", options.k);
  SOMA_CHECK(options.lr > 0, "Rbm: lr must be positive, got ", options.lr);
  SOMA_CHECK(options.momentum >= 0 && options.momentum < 1, "Rbm: momentum must be in [0, 1), got ",
             options.momentum);
  SOMA_CHECK(options.weight_decay >= 0, "Rbm: weight_decay must be >= 0, got ", options.weight_decay);
  SOMA_CHECK(options.dtype == DType::f32 || options.dtype == DType::f64,
             "Rbm: dtype must be float32 or float64, got ", name_of(options.dtype));
  weight_ = register_parameter("weight", normal({options.visible, options.hidden}, 0, 0.01, gen, options.dtype));
  visible_bias_ = register_parameter("visible_bias", zeros({options.visible}, options.dtype));
  hidden_bias_ = register_parameter("hidden_bias", zeros({options.hidden}, options.dtype));
}

void Rbm::check_batch(const Tensor& v, const char* what, bool allow_missing) const {
  SOMA_CHECK(v.defined() && v.dim() == 2 && v.size(1) == options_.visible, "Rbm(", options_.visible, " x ",
             options_.hidden, ") ", what, ": expects v [N, ", options_.visible, "] but receives shape ",
             v.defined() ? v.shape() : Shape{});
  SOMA_CHECK(v.dtype() == options_.dtype, "Rbm ", what, ": expects ", name_of(options_.dtype), " values, got ",
             name_of(v.dtype()));
  dispatch_floating(v.dtype(), "Rbm", [&]<class T>() {
    const T* p = v.data<T>();
    const T low = allow_missing ? T(-1) : T(0);
    int bad = 0;  // one branch-free pass; the culprit is searched only on failure
    const std::int64_t count = v.numel();
#pragma omp simd reduction(| : bad)
    for (std::int64_t i = 0; i < count; ++i) bad |= !(((p[i] >= 0) & (p[i] <= 1)) | (p[i] == low));
    if (!bad) return;
    for (std::int64_t i = 0; i < v.numel(); ++i) {
      const bool ok = (p[i] >= 0 && p[i] <= 1) || (allow_missing && p[i] == -1);
      SOMA_CHECK(ok, "Rbm ", what, ": visible values must be in [0, 1]", allow_missing ? " or -1 (missing)" : "",
                 ", found ", double(p[i]), " at [", i / options_.visible, ", ", i % options_.visible, "]");
    }
  });
}

Shape Rbm::output_shape(const Shape& input) const {
  SOMA_CHECK(input.dim() == 2 && input[1] == options_.visible, "Rbm(", options_.visible, " x ", options_.hidden,
             ") expects v [N, ", options_.visible, "] but receives ", input);
  return {input[0], options_.hidden};
}

std::int64_t Rbm::flops(const Shape& input) const {
  return output_shape(input)[0] * options_.visible * options_.hidden;
}

Tensor Rbm::forward(const Tensor& v) {
  check_batch(v, "forward", true);
  return sigmoid(add(matmul(relu(v), weight_), hidden_bias_));  // relu: -1 (missing) -> 0
}

Tensor Rbm::hidden_probs(const Tensor& v) const {
  check_batch(v, "hidden_probs", true);
  const std::int64_t n = v.size(0);
  Tensor out = empty({n, options_.hidden}, options_.dtype), observed = empty_like(v);
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    observed_part(v.data<T>(), v.numel(), observed.data<T>());
    affine_sigmoid(observed.data<T>(), n, options_.visible, weight_.data<T>(), false, options_.hidden,
                   hidden_bias_.data<T>(), out.data<T>());
  });
  return out;
}

Tensor Rbm::visible_probs(const Tensor& h) const {
  SOMA_CHECK(h.defined() && h.dim() == 2 && h.size(1) == options_.hidden, "Rbm(", options_.visible, " x ",
             options_.hidden, ") visible_probs: expects h [N, ", options_.hidden, "] but receives shape ",
             h.defined() ? h.shape() : Shape{});
  SOMA_CHECK(h.dtype() == options_.dtype, "Rbm visible_probs: expects ", name_of(options_.dtype), " values, got ",
             name_of(h.dtype()));
  const std::int64_t n = h.size(0);
  Tensor out = empty({n, options_.visible}, options_.dtype);
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    affine_sigmoid(h.data<T>(), n, options_.hidden, weight_.data<T>(), true, options_.visible,
                   visible_bias_.data<T>(), out.data<T>());
  });
  return out;
}

Tensor Rbm::reconstruct(const Tensor& v) const { return visible_probs(hidden_probs(v)); }

Tensor Rbm::gibbs(const Tensor& v, int k, Generator& gen) const {
  check_batch(v, "gibbs", true);
  SOMA_CHECK(k >= 0, "Rbm gibbs: k must be >= 0, got ", k);
  const std::int64_t n = v.size(0), V = options_.visible, H = options_.hidden;
  Tensor x = v.copy(), h = empty({n, H}, options_.dtype), p = empty({n, std::max(V, H)}, options_.dtype);
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    const T* start = v.data<T>();
    T* xs = x.data<T>();
    observed_part(start, n * V, xs);
    for (int step = 0; step < k; ++step) {
      affine_sigmoid(xs, n, V, weight_.data<T>(), false, H, hidden_bias_.data<T>(), p.data<T>());
      sample(p.data<T>(), n * H, gen, h.data<T>());
      affine_sigmoid(h.data<T>(), n, H, weight_.data<T>(), true, V, visible_bias_.data<T>(), p.data<T>());
      sample(p.data<T>(), n * V, gen, xs);
      for (std::int64_t i = 0; i < n * V; ++i)
        if (start[i] < 0) xs[i] = 0;
    }
    for (std::int64_t i = 0; i < n * V; ++i)
      if (start[i] < 0) xs[i] = T(-1);
  });
  return x;
}

Tensor Rbm::free_energy(const Tensor& v) const {
  check_batch(v, "free_energy", true);
  const std::int64_t n = v.size(0), V = options_.visible, H = options_.hidden;
  Tensor out = empty({n}, options_.dtype), observed = empty_like(v), act = empty({n, H}, options_.dtype);
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    T* x = observed.data<T>();
    observed_part(v.data<T>(), n * V, x);
    const T *a = visible_bias_.data<T>(), *b = hidden_bias_.data<T>();
    T* z = act.data<T>();
    for (std::int64_t r = 0; r < n; ++r) std::memcpy(z + r * H, b, sizeof(T) * std::size_t(H));
    kernels::gemm<T>(false, false, n, H, V, T(1), x, V, weight_.data<T>(), H, T(1), z, H);
    for (std::int64_t r = 0; r < n; ++r) {
      double f = 0;
      for (std::int64_t i = 0; i < V; ++i) f -= double(a[i]) * double(x[r * V + i]);
      for (std::int64_t j = 0; j < H; ++j) f -= softplus(double(z[r * H + j]));
      out.data<T>()[r] = T(f);
    }
  });
  return out;
}

Tensor Rbm::energy(const Tensor& v, const Tensor& h) const {
  check_batch(v, "energy", false);
  SOMA_CHECK(h.defined() && h.dim() == 2 && h.size(0) == v.size(0) && h.size(1) == options_.hidden, "Rbm(",
             options_.visible, " x ", options_.hidden, ") energy: expects h [", v.size(0), ", ", options_.hidden,
             "] beside v ", v.shape(), " but receives shape ", h.defined() ? h.shape() : Shape{});
  SOMA_CHECK(h.dtype() == options_.dtype, "Rbm energy: expects ", name_of(options_.dtype), " h, got ",
             name_of(h.dtype()));
  const std::int64_t n = v.size(0), V = options_.visible, H = options_.hidden;
  Tensor out = empty({n}, options_.dtype), vw = empty({n, H}, options_.dtype);
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    const T *x = v.data<T>(), *y = h.data<T>(), *a = visible_bias_.data<T>(), *b = hidden_bias_.data<T>();
    for (std::int64_t i = 0; i < n * H; ++i)
      SOMA_CHECK(y[i] >= 0 && y[i] <= 1, "Rbm energy: hidden values must be in [0, 1], found ", double(y[i]),
                 " at [", i / H, ", ", i % H, "]");
    kernels::gemm<T>(false, false, n, H, V, T(1), x, V, weight_.data<T>(), H, T(0), vw.data<T>(), H);
    for (std::int64_t r = 0; r < n; ++r) {
      double e = 0;
      for (std::int64_t i = 0; i < V; ++i) e -= double(a[i]) * double(x[r * V + i]);
      for (std::int64_t j = 0; j < H; ++j) e -= (double(b[j]) + double(vw.data<T>()[r * H + j])) * double(y[r * H + j]);
      out.data<T>()[r] = T(e);
    }
  });
  return out;
}

double Rbm::reconstruction_error(const Tensor& v) const {
  const Tensor r = reconstruct(v);
  double sum = 0;
  std::int64_t count = 0;
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    const T *x = v.data<T>(), *y = r.data<T>();
    for (std::int64_t i = 0; i < v.numel(); ++i)
      if (x[i] >= 0) {
        sum += (double(x[i]) - double(y[i])) * (double(x[i]) - double(y[i]));
        ++count;
      }
  });
  return count ? sum / double(count) : 0.0;
}

void Rbm::reset_training_state() {
  weight_velocity_ = visible_velocity_ = hidden_velocity_ = chain_ = Tensor();
}

std::map<std::string, Tensor> Rbm::training_state() const {
  std::map<std::string, Tensor> out;
  const std::pair<const char*, const Tensor*> entries[] = {{"chain", &chain_},
                                                           {"weight_velocity", &weight_velocity_},
                                                           {"visible_velocity", &visible_velocity_},
                                                           {"hidden_velocity", &hidden_velocity_}};
  for (const auto& [key, t] : entries)
    if (t->defined()) out[key] = t->copy();
  return out;
}

void Rbm::load_training_state(const std::map<std::string, Tensor>& state) {
  const std::int64_t V = options_.visible, H = options_.hidden;
  for (const auto& [key, t] : state) {
    Shape expected;
    if (key == "weight_velocity") expected = {V, H};
    else if (key == "visible_velocity") expected = {V};
    else if (key == "hidden_velocity") expected = {H};
    else if (key == "chain") expected = {t.defined() && t.dim() == 2 ? t.size(0) : 0, V};
    else SOMA_CHECK(false, "Rbm training state: unknown entry '", key,
                    "'; expected chain, weight_velocity, visible_velocity or hidden_velocity");
    SOMA_CHECK(t.defined() && t.shape() == expected && t.dtype() == options_.dtype, "Rbm training state: '", key,
               "' must be ", name_of(options_.dtype), " ", expected, ", got ",
               t.defined() ? t.shape().str() + " " + name_of(t.dtype()) : std::string("nothing"));
  }
  reset_training_state();
  auto take = [&](const char* key, Tensor& into) {
    if (auto it = state.find(key); it != state.end()) into = it->second.copy();
  };
  take("chain", chain_);
  take("weight_velocity", weight_velocity_);
  take("visible_velocity", visible_velocity_);
  take("hidden_velocity", hidden_velocity_);
  SOMA_CHECK(weight_velocity_.defined() == visible_velocity_.defined() &&
                 weight_velocity_.defined() == hidden_velocity_.defined(),
             "Rbm training state: the three velocities come together, got only some of them");
}

RbmStep Rbm::step(const Tensor& v0, Generator& gen) {
  check_batch(v0, "step", !options_.persistent);
  const std::int64_t n = v0.size(0), V = options_.visible, H = options_.hidden;
  SOMA_CHECK(n > 0, "Rbm step: the batch is empty");
  if (options_.persistent) {
    if (!chain_.defined()) chain_ = v0.copy();
    SOMA_CHECK(n <= chain_.size(0), "Rbm step: persistent CD's chain holds ", chain_.size(0),
               " particles (the first batch's size) but the batch has ", n, " rows");
  }
  const bool momentum = options_.momentum > 0;
  if (momentum && !weight_velocity_.defined()) {
    weight_velocity_ = zeros({V, H}, options_.dtype);
    visible_velocity_ = zeros({V}, options_.dtype);
    hidden_velocity_ = zeros({H}, options_.dtype);
  }
  // X = [v0; vk] and P = [p(h0|v0); -p(hk|vk)], so that XᵀP / n is ΔW.
  Tensor X = empty({2 * n, V}, options_.dtype), P = empty({2 * n, H}, options_.dtype);
  Tensor h = empty({n, H}, options_.dtype), pv = empty({n, V}, options_.dtype);
  // With the row-sum kernels: X's and h's bits, and Wᵀ, whose rows h selects for p(v|h).
  const bool fast = kernels::binary_gemm_fast();
  const std::int64_t visible_words = kernels::bit_words(V);
  std::vector<std::uint64_t> x_bits(fast ? std::size_t(2 * n * visible_words) : 0);
  std::vector<std::uint64_t> h_bits(fast ? std::size_t(n * kernels::bit_words(H)) : 0);
  Tensor weight_t = fast ? empty({H, V}, options_.dtype) : Tensor();
  RbmStep result;
  dispatch_floating(options_.dtype, "Rbm", [&]<class T>() {
    const T *W = weight_.data<T>(), *a = visible_bias_.data<T>(), *b = hidden_bias_.data<T>();
    const T* start = v0.data<T>();
    T *x0 = X.data<T>(), *xk = x0 + n * V, *ph0 = P.data<T>(), *phk = ph0 + n * H;
    T *hs = h.data<T>(), *pvs = pv.data<T>();
    const bool missing = observed_part(start, n * V, x0);
    T* Wt = fast ? weight_t.data<T>() : nullptr;
    if (fast) kernels::transpose(W, V, H, H, Wt, V);
    auto visible_probs_of_sample = [&] {  // pvs = p(v | hs)
      if (const std::uint64_t* bits = bits_if_binary(fast, hs, n, H, h_bits.data()))
        affine_sigmoid_rows(hs, bits, n, H, Wt, V, a, pvs);
      else
        affine_sigmoid(hs, n, H, W, true, V, a, pvs);
    };

    // Positive phase, then h0 ~ p(h|v0) and the first reconstruction (for the error).
    const std::uint64_t* x0_bits = bits_if_binary(fast, x0, n, V, x_bits.data());
    affine_sigmoid_rows(x0, x0_bits, n, V, W, H, b, ph0);
    sample(ph0, n * H, gen, hs);
    visible_probs_of_sample();
    double sum = 0, count = 0;
#pragma omp simd reduction(+ : sum, count)
    for (std::int64_t i = 0; i < n * V; ++i) {
      const double observed = start[i] >= 0, diff = observed * (double(start[i]) - double(pvs[i]));
      sum += diff * diff;
      count += observed;
    }
    result.reconstruction_error = count > 0 ? sum / count : 0.0;

    // Negative phase: CD continues from h0; persistent CD from its chain.
    const std::uint64_t* xk_bits = nullptr;
    if (options_.persistent) {
      std::memcpy(xk, chain_.data<T>(), sizeof(T) * std::size_t(n * V));
      xk_bits = bits_if_binary(fast, xk, n, V, x_bits.data() + n * visible_words);
      affine_sigmoid_rows(xk, xk_bits, n, V, W, H, b, phk);
      sample(phk, n * H, gen, hs);
      visible_probs_of_sample();
    }
    for (int t = 1; t <= options_.k; ++t) {
      if (t > 1) visible_probs_of_sample();
      sample(pvs, n * V, gen, xk);
      if (missing)
        for (std::int64_t i = 0; i < n * V; ++i)
          if (start[i] < 0) xk[i] = 0;
      xk_bits = bits_if_binary(fast, xk, n, V, x_bits.data() + n * visible_words);
      affine_sigmoid_rows(xk, xk_bits, n, V, W, H, b, phk);
      if (t < options_.k) sample(phk, n * H, gen, hs);
    }
    if (options_.persistent) std::memcpy(chain_.data<T>(), xk, sizeof(T) * std::size_t(n * V));
#pragma omp simd
    for (std::int64_t i = 0; i < n * H; ++i) phk[i] = -phk[i];

    // Biases' statistics before W changes nothing they depend on (they use X and P only).
    const T scale = T(options_.lr / double(n));
    std::vector<T> da(std::size_t(V), T(0)), db(std::size_t(H), T(0));
    for (std::int64_t r = 0; r < n; ++r) {
      T *dav = da.data(), *dbv = db.data();
#pragma omp simd
      for (std::int64_t i = 0; i < V; ++i) dav[i] += x0[r * V + i] - xk[r * V + i];
#pragma omp simd
      for (std::int64_t j = 0; j < H; ++j) dbv[j] += ph0[r * H + j] + phk[r * H + j];
    }
    // XᵀP: with X in bits, row i of XᵀP sums the rows of P that column i of X selects.
    Tensor delta;
    if (x0_bits && xk_bits) {
      std::vector<std::uint64_t> xt_bits(std::size_t(V * kernels::bit_words(2 * n)));
      kernels::transpose_bits(x_bits.data(), 2 * n, V, xt_bits.data());
      delta = empty({V, H}, options_.dtype);
      kernels::binary_gemm<T>(V, H, 2 * n, xt_bits.data(), ph0, H, nullptr, delta.data<T>(), H);
    }
    auto add_scaled_delta = [&](T* target) {  // target += scale XᵀP
      if (!delta.defined()) return kernels::gemm<T>(true, false, V, H, 2 * n, scale, x0, V, ph0, H, T(1), target, H);
      const T* d = delta.data<T>();
#pragma omp simd
      for (std::int64_t i = 0; i < V * H; ++i) target[i] += scale * d[i];
    };
    T *Wm = weight_.data<T>(), *am = visible_bias_.data<T>(), *bm = hidden_bias_.data<T>();
    const T decay = T(options_.lr * options_.weight_decay);
    if (momentum) {
      const T mu = T(options_.momentum);
      T *vw = weight_velocity_.data<T>(), *va = visible_velocity_.data<T>(), *vb = hidden_velocity_.data<T>();
#pragma omp simd
      for (std::int64_t i = 0; i < V * H; ++i) vw[i] = mu * vw[i] - decay * Wm[i];
      add_scaled_delta(vw);
#pragma omp simd
      for (std::int64_t i = 0; i < V * H; ++i) Wm[i] += vw[i];
      for (std::int64_t i = 0; i < V; ++i) am[i] += va[i] = mu * va[i] + scale * da[i];
      for (std::int64_t j = 0; j < H; ++j) bm[j] += vb[j] = mu * vb[j] + scale * db[j];
    } else {
      if (decay != T(0))
#pragma omp simd
        for (std::int64_t i = 0; i < V * H; ++i) Wm[i] -= decay * Wm[i];
      add_scaled_delta(Wm);
      for (std::int64_t i = 0; i < V; ++i) am[i] += scale * da[i];
      for (std::int64_t j = 0; j < H; ++j) bm[j] += scale * db[j];
    }
  });
  return result;
}

}  // namespace soma::generative
