// oneDNN convolution (see conv_dnnl.h). One cache entry per shape holds the primitive
// descriptors and primitives, built on first use (building one costs far more than running
// it); the buffers for oneDNN's own layouts and its scratchpad come from soma's caching
// allocator on each call, so a training step's steady state maps no new pages.
#include "kernels/conv_dnnl.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>

#include "kernels/parallel.h"
#include "soma/core/tensor.h"
#include "soma/core/threads.h"

namespace soma::kernels {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One operand of a primitive: the layout soma holds it in (NCHW, OIHW) and the one the
// primitive chose; a reorder between them when they differ.
struct Operand {
  memory::desc user, inner;
  dnnl::reorder reorder;  // user -> inner for an input, inner -> user for an output

  Operand() = default;
  Operand(const memory::desc& user_md, const memory::desc& inner_md, bool input) : user(user_md), inner(inner_md) {
    if (user == inner) return;
    reorder = input ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), inner))
                    : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), inner, engine(), user));
  }
  bool direct() const { return user == inner; }
};

// The buffers and pending output reorders of one primitive execution.
class Execution {
 public:
  Execution() : stream_(thread_stream()) {}

  // `data` as the primitive wants it: the user's buffer itself, or a reordered copy.
  memory input(const Operand& op, const float* data) {
    memory user(op.user, engine(), const_cast<float*>(data));
    if (op.direct()) return user;
    memory inner(op.inner, engine(), buffer(op.inner.get_size()));
    op.reorder.execute(stream_, user, inner);
    return inner;
  }

  // Where the primitive writes an output that finish() then moves to `data`.
  memory output(const Operand& op, float* data) {
    if (op.direct()) return memory(op.user, engine(), data);
    memory inner(op.inner, engine(), buffer(op.inner.get_size()));
    pending_[pending_count_++] = {&op, inner, data};
    return inner;
  }

  memory scratchpad(const memory::desc& md) { return memory(md, engine(), buffer(md.get_size())); }

  void run(const dnnl::primitive& p, std::unordered_map<int, memory> args) { p.execute(stream_, args); }

  void finish() {
    for (int i = 0; i < pending_count_; ++i) {
      Pending& p = pending_[i];
      memory user(p.op->user, engine(), p.data);
      p.op->reorder.execute(stream_, p.inner, user);
    }
    stream_.wait();
  }

 private:
  void* buffer(std::size_t bytes) { return buffers_[buffer_count_++].emplace(bytes).data(); }

  struct Pending {
    const Operand* op = nullptr;
    memory inner;
    float* data = nullptr;
  };
  // A stream per thread, made once: creating one on every call cost a few microseconds.
  static dnnl::stream& thread_stream() {
    static thread_local dnnl::stream s(engine());
    return s;
  }
  dnnl::stream& stream_;
  std::array<std::optional<Storage>, 10> buffers_;  // both backward primitives: at most 8
  int buffer_count_ = 0;
  std::array<Pending, 4> pending_;
  int pending_count_ = 0;
};

enum class Built : std::uint8_t { no, yes, failed };

// The threads a shape runs on: as for the im2col path, one per kMinMacsPerThread of work,
// so that batch-1 inference and small layers do not pay for waking the pool.
int threads_for(const ConvShape& s) {
  return int(std::clamp<std::int64_t>(conv_macs(s) / kMinMacsPerThread, 1, omp_get_max_threads()));
}

// OpenMP's thread count for the scope of one call: oneDNN splits the work for the count it
// sees when it builds a primitive, and must run it with the same count.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ThreadScope() { omp_set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

using Key = std::array<std::int64_t, 17>;

Key key_of(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, int threads) {
  const ConvGeometry& g = s.g;
  return {s.N, s.groups, s.O, g.C, g.H, g.W, g.kH, g.kW, g.stride_h, g.stride_w, g.pad_top, g.pad_left,
          pad_bottom, pad_right, g.dil_h, g.dil_w, threads};
}

// Everything oneDNN needs for one shape. Each primitive is built on first use: inference
// never builds the backward ones, and a layer without bias never builds the bias variants.
// Index [1] of a pair is the variant with bias.
struct Entry {
  memory::desc src, weights, bias, dst;  // soma's layouts
  memory::dims strides, dilates, pad_l, pad_r;
  dnnl::primitive_attr attr;
  std::mutex mutex;  // guards the lazy builds; running a built primitive needs no lock

  std::array<Built, 2> fwd_built{};
  std::array<dnnl::convolution_forward::primitive_desc, 2> fwd_pd;
  std::array<dnnl::convolution_forward, 2> fwd;
  std::array<Operand, 2> fwd_src, fwd_weights, fwd_dst;

  Built data_built = Built::no;
  dnnl::convolution_backward_data bwd_data;
  memory::desc bwd_data_scratch;
  Operand data_weights, data_diff_dst, data_diff_src;

  std::array<Built, 2> weights_built{};
  std::array<dnnl::convolution_backward_weights, 2> bwd_weights;
  std::array<memory::desc, 2> bwd_weights_scratch;
  std::array<Operand, 2> weights_src, weights_diff_dst, weights_diff_weights;

  Entry(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right) {
    const ConvGeometry& g = s.g;
    src = memory::desc({s.N, s.groups * g.C, g.H, g.W}, kF32, Tag::nchw);
    dst = memory::desc({s.N, s.O, g.OH, g.OW}, kF32, Tag::nchw);
    weights = s.groups == 1 ? memory::desc({s.O, g.C, g.kH, g.kW}, kF32, Tag::oihw)
                            : memory::desc({s.groups, s.O / s.groups, g.C, g.kH, g.kW}, kF32, Tag::goihw);
    bias = memory::desc({s.O}, kF32, Tag::x);
    strides = {g.stride_h, g.stride_w};
    dilates = {g.dil_h - 1, g.dil_w - 1};  // oneDNN counts the gaps between taps
    pad_l = {g.pad_top, g.pad_left};
    pad_r = {pad_bottom, pad_right};
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  }

  // Layouts left to oneDNN ("any"): it picks blocked ones where its kernels are faster.
  static memory::desc any(const memory::desc& md) { return memory::desc(md.dims(), kF32, Tag::any); }

  void build_forward(bool with_bias) {
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                            any(src), any(weights), with_bias ? bias : memory::desc(), any(dst),
                                            strides, dilates, pad_l, pad_r);
    auto& pd = fwd_pd[with_bias];
    pd = dnnl::convolution_forward::primitive_desc(d, attr, engine());
    fwd[with_bias] = dnnl::convolution_forward(pd);
    fwd_src[with_bias] = Operand(src, pd.src_desc(), true);
    fwd_weights[with_bias] = Operand(weights, pd.weights_desc(), true);
    fwd_dst[with_bias] = Operand(dst, pd.dst_desc(), false);
  }

  // The backward primitives take a forward one as the hint for their layouts.
  const dnnl::convolution_forward::primitive_desc& hint() {
    if (fwd_built[0] != Built::yes && fwd_built[1] != Built::yes) {
      build_forward(false);
      fwd_built[0] = Built::yes;
    }
    return fwd_pd[fwd_built[0] == Built::yes ? 0 : 1];
  }

  void build_backward_data() {
    const dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, any(src), any(weights),
                                                  any(dst), strides, dilates, pad_l, pad_r);
    const dnnl::convolution_backward_data::primitive_desc pd(d, attr, engine(), hint());
    bwd_data = dnnl::convolution_backward_data(pd);
    bwd_data_scratch = pd.scratchpad_desc();
    data_weights = Operand(weights, pd.weights_desc(), true);
    data_diff_dst = Operand(dst, pd.diff_dst_desc(), true);
    data_diff_src = Operand(src, pd.diff_src_desc(), false);
  }

  void build_backward_weights(bool with_bias) {
    const dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, any(src), any(weights),
                                                     with_bias ? bias : memory::desc(), any(dst), strides, dilates,
                                                     pad_l, pad_r);
    const dnnl::convolution_backward_weights::primitive_desc pd(d, attr, engine(), hint());
    bwd_weights[with_bias] = dnnl::convolution_backward_weights(pd);
    bwd_weights_scratch[with_bias] = pd.scratchpad_desc();
    weights_src[with_bias] = Operand(src, pd.src_desc(), true);
    weights_diff_dst[with_bias] = Operand(dst, pd.diff_dst_desc(), true);
    weights_diff_weights[with_bias] = Operand(weights, pd.diff_weights_desc(), false);
  }
};

// Whether oneDNN is the faster path for a shape (measurements: docs/convolution.md).
bool prefer_dnnl(const ConvShape& s) { return s.N > 0 && s.g.C > 0; }

// The entry of a shape. The cache is dropped whole once it holds kMaxEntries shapes (a
// program that keeps changing its batch size), which costs rebuilds, never a wrong answer.
std::shared_ptr<Entry> entry(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, int threads) {
  constexpr std::size_t kMaxEntries = 64;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, std::shared_ptr<Entry>>;  // never destroyed, like the allocator
  const Key key = key_of(s, pad_bottom, pad_right, threads);
  std::lock_guard lock(mutex);
  if (auto it = cache->find(key); it != cache->end()) return it->second;
  if (cache->size() >= kMaxEntries) cache->clear();
  return (*cache)[key] = std::make_shared<Entry>(s, pad_bottom, pad_right);
}

// Runs `build` under the entry's lock the first time; false when oneDNN has no
// implementation for the shape (then and on every later call: the caller takes the im2col path).
template <class F>
bool ensure(Entry& e, Built& built, F build) {
  std::lock_guard lock(e.mutex);
  if (built == Built::no) {
    try {
      build();
      built = Built::yes;
    } catch (const dnnl::error&) {
      built = Built::failed;
    }
  }
  return built == Built::yes;
}

bool forward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x, const float* w,
             const float* b, float* y) {
  const int threads = threads_for(s);
  const ThreadScope scope(threads);
  const std::shared_ptr<Entry> e = entry(s, pad_bottom, pad_right, threads);
  const bool with_bias = b != nullptr;
  if (!ensure(*e, e->fwd_built[with_bias], [&] { e->build_forward(with_bias); })) return false;
  Execution run;
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, run.input(e->fwd_src[with_bias], x)},
      {DNNL_ARG_WEIGHTS, run.input(e->fwd_weights[with_bias], w)},
      {DNNL_ARG_DST, run.output(e->fwd_dst[with_bias], y)},
      {DNNL_ARG_SCRATCHPAD, run.scratchpad(e->fwd_pd[with_bias].scratchpad_desc())}};
  if (with_bias) args.emplace(DNNL_ARG_BIAS, memory(e->bias, engine(), const_cast<float*>(b)));
  run.run(e->fwd[with_bias], std::move(args));
  run.finish();
  return true;
}

bool backward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x, const float* w,
              const float* gy, float* gx, float* gw, float* gb) {
  const int threads = threads_for(s);
  const ThreadScope scope(threads);
  const std::shared_ptr<Entry> e = entry(s, pad_bottom, pad_right, threads);
  const bool with_bias = gb && gw;
  // oneDNN pads the input-gradient channels to its block of 16, so with few input channels
  // (an image's first layer, whose input needs a gradient in a GAN's discriminator) the
  // im2col + GEMM path computes it 2-6x faster; from about 8 channels on, oneDNN wins.
  const bool data_by_gemm = gx && s.groups == 1 && s.g.C < 8;
  if (gx && !data_by_gemm && !ensure(*e, e->data_built, [&] { e->build_backward_data(); })) return false;
  if (gw && !ensure(*e, e->weights_built[with_bias], [&] { e->build_backward_weights(with_bias); })) return false;
  if (data_by_gemm) {
    Storage workspace(std::size_t(conv_backward_workspace(s, false, false)) * sizeof(float));
    conv2d_backward<float>(s, x, w, gy, gx, nullptr, nullptr, static_cast<float*>(workspace.data()));
  }
  // One execution for both gradients, so that the output gradient, which both primitives
  // read in the same blocked layout, is reordered once instead of twice.
  Execution run;
  std::optional<memory> blocked_gy;
  if (gx && !data_by_gemm) {
    blocked_gy = run.input(e->data_diff_dst, gy);
    run.run(e->bwd_data, {{DNNL_ARG_DIFF_DST, *blocked_gy},
                          {DNNL_ARG_WEIGHTS, run.input(e->data_weights, w)},
                          {DNNL_ARG_DIFF_SRC, run.output(e->data_diff_src, gx)},
                          {DNNL_ARG_SCRATCHPAD, run.scratchpad(e->bwd_data_scratch)}});
  }
  if (gw) {
    const Operand& diff_dst = e->weights_diff_dst[with_bias];
    const bool share = blocked_gy && diff_dst.inner == e->data_diff_dst.inner;
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, run.input(e->weights_src[with_bias], x)},
        {DNNL_ARG_DIFF_DST, share ? *blocked_gy : run.input(diff_dst, gy)},
        {DNNL_ARG_DIFF_WEIGHTS, run.output(e->weights_diff_weights[with_bias], gw)},
        {DNNL_ARG_SCRATCHPAD, run.scratchpad(e->bwd_weights_scratch[with_bias])}};
    if (with_bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(e->bias, engine(), gb));
    run.run(e->bwd_weights[with_bias], std::move(args));
  }
  run.finish();
  if (!gw && gb) {
    // Only the bias: a sum over the batch and the plane, no need for oneDNN.
    const std::int64_t P = s.g.OH * s.g.OW;
    for (std::int64_t o = 0; o < s.O; ++o) gb[o] = 0;
    for (std::int64_t n = 0; n < s.N; ++n)
      for (std::int64_t o = 0; o < s.O; ++o) {
        const float* row = gy + (n * s.O + o) * P;
        float acc = 0;
        for (std::int64_t p = 0; p < P; ++p) acc += row[p];
        gb[o] += acc;
      }
  }
  return true;
}

// Deterministic mode (soma/core/threads.h): oneDNN sizes its split of the batch by the thread
// count, and its weight gradient adds per-thread partial sums, so the result depends on the
// count. There the batch is cut into chunks of images fixed by the shape alone, each run on
// one thread as a convolution of its own; the chunks' weight and bias gradients are added in
// chunk order. Forward and input gradient need no sum: each chunk writes its own images.
struct BatchSplit {
  std::int64_t size, count;  // images per chunk (the last may hold fewer), chunks
  ConvShape part(const ConvShape& s, std::int64_t c) const {
    ConvShape p = s;
    p.N = std::min(size, s.N - c * size);
    return p;
  }
};

BatchSplit batch_split(const ConvShape& s) {
  constexpr std::int64_t kMaxChunks = 16;
  const std::int64_t wanted = std::clamp<std::int64_t>(conv_macs(s) / kMinMacsPerThread, 1, std::min(s.N, kMaxChunks));
  const std::int64_t size = (s.N + wanted - 1) / wanted;
  return {size, (s.N + size - 1) / size};
}

// Runs run(c) for every chunk, chunk 0 first on its own: it builds the primitives and says
// whether oneDNN takes the shape at all. False if any chunk was refused.
template <class F>
bool run_chunks(const BatchSplit& split, F run) {
  {
    const ThreadScope one(1);
    if (!run(0)) return false;
  }
  bool ok = true;
  for_each_chunk(split.count - 1, [&](std::int64_t c) {
    if (!run(c + 1)) {
#pragma omp atomic write
      ok = false;
    }
  });
  return ok;
}

bool deterministic_forward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                           const float* w, const float* b, float* y) {
  const BatchSplit split = batch_split(s);
  const std::int64_t x_image = s.groups * s.g.C * s.g.H * s.g.W, y_image = s.O * s.g.OH * s.g.OW;
  return run_chunks(split, [&](std::int64_t c) {
    const std::int64_t n0 = c * split.size;
    return forward(split.part(s, c), pad_bottom, pad_right, x + n0 * x_image, w, b, y + n0 * y_image);
  });
}

bool deterministic_backward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                            const float* w, const float* gy, float* gx, float* gw, float* gb) {
  const BatchSplit split = batch_split(s);
  const std::int64_t x_image = s.groups * s.g.C * s.g.H * s.g.W, y_image = s.O * s.g.OH * s.g.OW;
  const std::int64_t w_size = s.O * s.g.rows(), per_chunk = (gw ? w_size : 0) + (gb ? s.O : 0);
  Storage partials(std::size_t(std::max<std::int64_t>(split.count * per_chunk, 1)) * sizeof(float));
  float* part = static_cast<float*>(partials.data());
  const bool ok = run_chunks(split, [&](std::int64_t c) {
    const std::int64_t n0 = c * split.size;
    float* pw = gw ? part + c * per_chunk : nullptr;
    float* pb = gb ? part + c * per_chunk + (gw ? w_size : 0) : nullptr;
    return backward(split.part(s, c), pad_bottom, pad_right, x ? x + n0 * x_image : nullptr, w, gy + n0 * y_image,
                    gx ? gx + n0 * x_image : nullptr, pw, pb);
  });
  if (!ok) return false;
  auto reduce = [&](float* out, std::int64_t offset, std::int64_t count) {
    std::copy(part + offset, part + offset + count, out);
    for (std::int64_t c = 1; c < split.count; ++c)
      for (std::int64_t i = 0; i < count; ++i) out[i] += part[c * per_chunk + offset + i];
  };
  if (gw) reduce(gw, 0, w_size);
  if (gb) reduce(gb, gw ? w_size : 0, s.O);
  return true;
}

}  // namespace

bool dnnl_conv2d_forward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                         const float* w, const float* b, float* y) {
  if (!prefer_dnnl(s)) return false;
  if (deterministic()) return deterministic_forward(s, pad_bottom, pad_right, x, w, b, y);
  return forward(s, pad_bottom, pad_right, x, w, b, y);
}

bool dnnl_conv2d_backward(const ConvShape& s, std::int64_t pad_bottom, std::int64_t pad_right, const float* x,
                          const float* w, const float* gy, float* gx, float* gw, float* gb) {
  if (!prefer_dnnl(s)) return false;
  if (deterministic()) return deterministic_backward(s, pad_bottom, pad_right, x, w, gy, gx, gw, gb);
  return backward(s, pad_bottom, pad_right, x, w, gy, gx, gw, gb);
}

}  // namespace soma::kernels
