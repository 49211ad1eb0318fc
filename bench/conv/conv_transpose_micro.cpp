// conv-transpose-micro: times conv_transpose2d forward + backward (input, weight and bias
// gradients) on DCGAN-like generator shapes, three float32 ways:
//   op      soma's op: oneDNN convolution primitives with the roles swapped (its backward-data
//           computes the forward), im2col + GEMM where oneDNN declines
//   deconv  oneDNN's own deconvolution primitives (forward, backward data, backward weights
//           with bias), blocked layouts with reorders from/to NCHW, buffers allocated once
//   gemm    the im2col/col2im + GEMM kernels alone
// Prints milliseconds per forward + backward (best and median of repetitions) and forward
// alone. conv_transpose_micro.py times PyTorch on the same shapes. Not a unit test; numbers
// vary with the machine's load (docs/convolution.md has a quiet run).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/im2col.h"
#include "soma/autograd/node.h"
#include "soma/soma.h"
#include "soma/ops/conv_transpose.h"

using namespace soma;

namespace {

struct Case {
  const char* name;
  std::int64_t N, C, H, W, O, k, stride, pad;  // input [N, C, H, W] -> [N, O, OH, OW]
};

const Case kCases[] = {
    {"latent 100->128 k7 1x1->7x7", 64, 100, 1, 1, 128, 7, 1, 0},
    {"up1 128->64 k4 s2 p1 7->14", 64, 128, 7, 7, 64, 4, 2, 1},
    {"up2 64->1 k4 s2 p1 14->28", 64, 64, 14, 14, 1, 4, 2, 1},
    {"up 64->32 k4 s2 p1 16->32", 32, 64, 16, 16, 32, 4, 2, 1},
};

struct Timing {
  double best, median;
};

template <class F>
Timing time_ms(F step, int reps, int iters) {
  for (int i = 0; i < 3; ++i) step();
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / iters);
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2]};
}

// The op's backward node run directly with gy (see conv_micro.cpp for why not y.backward(gy)).
void forward_backward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dParams& p,
                      const Tensor& gy) {
  const Tensor y = conv_transpose2d(x, w, b, p);
  autograd::Node* node = autograd::node_of(y);
  std::vector<Tensor> slots(node->next.size());
  autograd::Grads grads(slots.data(), node->next.data(), slots.size());
  node->backward(gy, grads);
}

// oneDNN's deconvolution primitives for one shape, built once, with NCHW/IOHW user layouts.
class Deconv {
 public:
  using memory = dnnl::memory;
  using Tag = memory::format_tag;

  Deconv(const Case& c, std::int64_t OH, std::int64_t OW) : eng_(dnnl::engine::kind::cpu, 0), stream_(eng_) {
    const auto f32 = memory::data_type::f32;
    src_ = memory::desc({c.N, c.C, c.H, c.W}, f32, Tag::nchw);
    dst_ = memory::desc({c.N, c.O, OH, OW}, f32, Tag::nchw);
    wei_ = memory::desc({c.O, c.C, c.k, c.k}, f32, Tag::iohw);  // PyTorch's [C_in, C_out, kH, kW]
    bias_ = memory::desc({c.O}, f32, Tag::x);
    auto any = [&](const memory::desc& md) { return memory::desc(md.dims(), f32, Tag::any); };
    const memory::dims strides{c.stride, c.stride}, dil{0, 0}, pad{c.pad, c.pad};
    const dnnl::deconvolution_forward::desc fd(dnnl::prop_kind::forward_training,
                                               dnnl::algorithm::deconvolution_direct, any(src_), any(wei_), bias_,
                                               any(dst_), strides, dil, pad, pad);
    fwd_pd_ = dnnl::deconvolution_forward::primitive_desc(fd, eng_);
    const dnnl::deconvolution_backward_data::desc bd(dnnl::algorithm::deconvolution_direct, any(src_), any(wei_),
                                                     any(dst_), strides, dil, pad, pad);
    bwd_data_pd_ = dnnl::deconvolution_backward_data::primitive_desc(bd, eng_, fwd_pd_);
    const dnnl::deconvolution_backward_weights::desc wd(dnnl::algorithm::deconvolution_direct, any(src_), any(wei_),
                                                        bias_, any(dst_), strides, dil, pad, pad);
    bwd_w_pd_ = dnnl::deconvolution_backward_weights::primitive_desc(wd, eng_, fwd_pd_);
    std::printf("  deconv implementations: fwd %s, bwd data %s, bwd weights %s\n", fwd_pd_.impl_info_str(),
                bwd_data_pd_.impl_info_str(), bwd_w_pd_.impl_info_str());
  }

  // y = deconv(x, w) + b; then gx, gw, gb from gy. Reorders in and out of the blocked layouts.
  void run(const float* x, const float* w, const float* b, float* y, const float* gy, float* gx, float* gw,
           float* gb, bool backward) {
    memory fx = in(src_, fwd_pd_.src_desc(), x), fw = in(wei_, fwd_pd_.weights_desc(), w);
    memory fy(fwd_pd_.dst_desc(), eng_, buffer(0, fwd_pd_.dst_desc().get_size()));
    dnnl::deconvolution_forward(fwd_pd_).execute(
        stream_, {{DNNL_ARG_SRC, fx}, {DNNL_ARG_WEIGHTS, fw}, {DNNL_ARG_BIAS, memory(bias_, eng_, (void*)b)},
                  {DNNL_ARG_DST, fy}});
    out(fy, dst_, y);
    if (backward) {
      memory dgy = in(dst_, bwd_data_pd_.diff_dst_desc(), gy), dw = in(wei_, bwd_data_pd_.weights_desc(), w);
      memory dgx(bwd_data_pd_.diff_src_desc(), eng_, buffer(1, bwd_data_pd_.diff_src_desc().get_size()));
      dnnl::deconvolution_backward_data(bwd_data_pd_)
          .execute(stream_, {{DNNL_ARG_DIFF_DST, dgy}, {DNNL_ARG_WEIGHTS, dw}, {DNNL_ARG_DIFF_SRC, dgx}});
      out(dgx, src_, gx);
      memory wx = in(src_, bwd_w_pd_.src_desc(), x), wgy = in(dst_, bwd_w_pd_.diff_dst_desc(), gy);
      memory wgw(bwd_w_pd_.diff_weights_desc(), eng_, buffer(2, bwd_w_pd_.diff_weights_desc().get_size()));
      dnnl::deconvolution_backward_weights(bwd_w_pd_).execute(
          stream_, {{DNNL_ARG_SRC, wx}, {DNNL_ARG_DIFF_DST, wgy}, {DNNL_ARG_DIFF_WEIGHTS, wgw},
                    {DNNL_ARG_DIFF_BIAS, memory(bias_, eng_, gb)}});
      out(wgw, wei_, gw);
    }
    stream_.wait();
    next_ = 3;
  }

 private:
  memory in(const memory::desc& user, const memory::desc& inner, const float* data) {
    memory u(user, eng_, const_cast<float*>(data));
    if (user == inner) return u;
    memory m(inner, eng_, buffer(next_++, inner.get_size()));
    dnnl::reorder(u, m).execute(stream_, u, m);
    return m;
  }
  void out(memory& inner, const memory::desc& user, float* data) {
    memory u(user, eng_, data);
    if (user == inner.get_desc()) {
      std::memcpy(data, inner.get_data_handle(), user.get_size());
      return;
    }
    dnnl::reorder(inner, u).execute(stream_, inner, u);
  }
  void* buffer(std::size_t slot, std::size_t bytes) {
    if (buffers_.size() <= slot) buffers_.resize(slot + 1);
    if (buffers_[slot].size() < bytes) buffers_[slot].resize(bytes);
    return buffers_[slot].data();
  }

  dnnl::engine eng_;
  dnnl::stream stream_;
  memory::desc src_, dst_, wei_, bias_;
  dnnl::deconvolution_forward::primitive_desc fwd_pd_;
  dnnl::deconvolution_backward_data::primitive_desc bwd_data_pd_;
  dnnl::deconvolution_backward_weights::primitive_desc bwd_w_pd_;
  std::vector<std::vector<char>> buffers_;
  std::size_t next_ = 3;
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, reps = 15, iters = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--iters")) iters = std::atoi(argv[i + 1]);
  }
  set_num_threads(threads);
  Generator gen(1);
  for (const Case& c : kCases) {
    const std::int64_t OH = (c.H - 1) * c.stride - 2 * c.pad + c.k, OW = (c.W - 1) * c.stride - 2 * c.pad + c.k;
    Tensor x = uniform({c.N, c.C, c.H, c.W}, -1, 1, gen), w = uniform({c.C, c.O, c.k, c.k}, -0.1, 0.1, gen);
    Tensor b = uniform({c.O}, -0.1, 0.1, gen), gy = uniform({c.N, c.O, OH, OW}, -1, 1, gen);
    x.set_requires_grad();
    w.set_requires_grad();
    b.set_requires_grad();
    const ConvTranspose2dParams params{.stride = c.stride, .padding = c.pad};
    std::printf("%s, batch %ld, threads %d\n", c.name, long(c.N), threads);
    const Timing op = time_ms([&] { forward_backward(x, w, b, params, gy); }, reps, iters);
    const Timing op_fwd = time_ms([&] { NoGradGuard no_grad; conv_transpose2d(x, w, b, params); }, reps, iters);

    Tensor y({c.N, c.O, OH, OW}, DType::f32), gx(x.shape(), DType::f32), gw(w.shape(), DType::f32);
    Tensor gb(Shape{c.O}, DType::f32);
    Deconv deconv(c, OH, OW);
    auto deconv_step = [&](bool backward) {
      deconv.run(x.data<float>(), w.data<float>(), b.data<float>(), y.data<float>(), gy.data<float>(),
                 gx.data<float>(), gw.data<float>(), gb.data<float>(), backward);
    };
    const Timing dn = time_ms([&] { deconv_step(true); }, reps, iters);
    const Timing dn_fwd = time_ms([&] { deconv_step(false); }, reps, iters);

    // The GEMM kernels with the convolution's roles swapped, as the op runs them for float64.
    kernels::ConvShape s;
    s.N = c.N;
    s.O = c.C;
    s.g = {.C = c.O, .H = OH, .W = OW, .kH = c.k, .kW = c.k, .stride_h = c.stride, .stride_w = c.stride,
           .pad_top = c.pad, .pad_left = c.pad, .OH = c.H, .OW = c.W};
    auto gemm_step = [&](bool backward) {
      Tensor ws(Shape{kernels::conv_backward_workspace(s, false, false)}, DType::f32);
      kernels::conv2d_backward<float>(s, nullptr, w.data<float>(), x.data<float>(), y.data<float>(), nullptr, nullptr,
                                      ws.data<float>());
      if (!backward) return;
      Tensor fws(Shape{kernels::conv_forward_workspace(s)}, DType::f32);
      kernels::conv2d_forward<float>(s, gy.data<float>(), w.data<float>(), nullptr, gx.data<float>(), fws.data<float>());
      Tensor bws(Shape{kernels::conv_backward_workspace(s, true, false)}, DType::f32);
      kernels::conv2d_backward<float>(s, gy.data<float>(), w.data<float>(), x.data<float>(), nullptr, gw.data<float>(),
                                      nullptr, bws.data<float>());
    };
    const Timing gm = time_ms([&] { gemm_step(true); }, reps, iters);
    const Timing gm_fwd = time_ms([&] { gemm_step(false); }, reps, iters);
    std::printf("  op     fwd+bwd best %7.3f median %7.3f ms   fwd best %7.3f\n", op.best, op.median, op_fwd.best);
    std::printf("  deconv fwd+bwd best %7.3f median %7.3f ms   fwd best %7.3f\n", dn.best, dn.median, dn_fwd.best);
    std::printf("  gemm   fwd+bwd best %7.3f median %7.3f ms   fwd best %7.3f  (no bias)\n", gm.best, gm.median,
                gm_fwd.best);
  }
}
