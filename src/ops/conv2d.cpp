// conv2d: the checks and output-size arithmetic, then forward and backward side by side as
// one fused node. The arithmetic runs in kernels/ (im2col + GEMM, or oneDNN for float32);
// this file only picks the path and owns the tensors. Not here: the loops themselves.
#include "soma/ops/conv.h"

#include <sstream>
#include <string>
#include <type_traits>

#include "kernels/conv_dnnl.h"
#include "kernels/im2col.h"
#include "soma/autograd/function.h"
#include "soma/ops/view.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

// The whole convolution as the kernels see it, plus what errors need to show.
struct ConvPlan {
  kernels::ConvShape shape;
  std::int64_t pad_bottom = 0, pad_right = 0;
};

// "input 1x28x28, kernel 5, stride 2, padding 0" (+ dilation and groups when not 1): the
// words every conv2d shape error starts from.
std::string describe(const Shape& x, Pair kernel, const Conv2dParams& p) {
  std::ostringstream os;
  os << "input " << x[x.dim() - 3] << 'x' << x[x.dim() - 2] << 'x' << x[x.dim() - 1] << ", kernel " << kernel
     << ", stride " << p.stride << ", padding " << p.padding;
  if (!(p.dilation == Pair(1))) os << ", dilation " << p.dilation;
  if (p.groups != 1) os << ", groups " << p.groups;
  return os.str();
}

ConvPlan plan_conv(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& p) {
  SOMA_CHECK(x.defined() && w.defined(), "conv2d: the ", x.defined() ? "weight" : "input", " is undefined");
  SOMA_CHECK(is_floating(x.dtype()), "conv2d: expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(w.dtype() == x.dtype() && (!b.defined() || b.dtype() == x.dtype()), "conv2d: the input is ",
             name_of(x.dtype()), " but the weight is ", name_of(w.dtype()),
             b.defined() ? std::string(" and the bias ") + name_of(b.dtype()) : std::string());
  SOMA_CHECK(x.dim() == 4, "conv2d: expected an input [N, C, H, W] (or [C, H, W]), got shape ", x.shape());
  SOMA_CHECK(w.dim() == 4, "conv2d: expected a weight [C_out, C_in / groups, kH, kW], got shape ", w.shape());
  const Pair kernel{w.size(2), w.size(3)};
  const std::int64_t C = x.size(1), O = w.size(0);
  SOMA_CHECK(p.groups >= 1, "conv2d: groups must be at least 1, got ", p.groups);
  SOMA_CHECK(p.stride.h >= 1 && p.stride.w >= 1 && p.dilation.h >= 1 && p.dilation.w >= 1 && kernel.h >= 1 &&
                 kernel.w >= 1,
             "conv2d: kernel, stride and dilation must be at least 1, got kernel ", kernel, ", stride ", p.stride,
             ", dilation ", p.dilation);
  SOMA_CHECK(p.padding.mode() != Padding::Mode::sizes || (p.padding.sizes().h >= 0 && p.padding.sizes().w >= 0),
             "conv2d: padding must not be negative, got ", p.padding);
  SOMA_CHECK(p.padding.mode() != Padding::Mode::same || p.stride == Pair(1),
             "conv2d: padding 'same' needs stride 1 (as in PyTorch), got stride ", p.stride,
             "; give the padding as numbers instead");
  SOMA_CHECK(w.size(1) * p.groups == C, "conv2d: weight ", w.shape(), " expects ", w.size(1) * p.groups,
             " input channels (", w.size(1), " x groups ", p.groups, ") but the input ", x.shape(), " has ", C);
  SOMA_CHECK(O % p.groups == 0, "conv2d: groups ", p.groups, " must divide the ", O, " output channels of weight ",
             w.shape());
  SOMA_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == O), "conv2d: bias must be [", O,
             "] (one per output channel of weight ", w.shape(), "), got shape ", b.shape());

  const std::int64_t H = x.size(2), W = x.size(3);
  const auto [top, bottom] = conv_axis_padding(p.padding, p.padding.sizes().h, kernel.h, p.dilation.h);
  const auto [left, right] = conv_axis_padding(p.padding, p.padding.sizes().w, kernel.w, p.dilation.w);
  const std::int64_t padded_h = H + top + bottom, padded_w = W + left + right;
  const std::int64_t reach_h = p.dilation.h * (kernel.h - 1) + 1, reach_w = p.dilation.w * (kernel.w - 1) + 1;
  SOMA_CHECK(padded_h >= reach_h && padded_w >= reach_w, "conv2d: the kernel does not fit: ",
             describe(x.shape(), kernel, p), ": the padded input is ", padded_h, 'x', padded_w,
             " but the kernel spans ", reach_h, 'x', reach_w);

  ConvPlan plan;
  plan.shape.g = {.C = C / p.groups, .H = H, .W = W, .kH = kernel.h, .kW = kernel.w,
                  .stride_h = p.stride.h, .stride_w = p.stride.w, .pad_top = top, .pad_left = left,
                  .dil_h = p.dilation.h, .dil_w = p.dilation.w,
                  .OH = conv_output_size(H, top + bottom, kernel.h, p.stride.h, p.dilation.h),
                  .OW = conv_output_size(W, left + right, kernel.w, p.stride.w, p.dilation.w)};
  plan.pad_bottom = bottom;
  plan.pad_right = right;
  plan.shape.N = x.size(0);
  plan.shape.groups = p.groups;
  plan.shape.O = O;
  return plan;
}

Tensor conv2d_batched(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& params) {
  const ConvPlan plan = plan_conv(x, w, b, params);
  const kernels::ConvShape& s = plan.shape;
  Tensor y(Shape{s.N, s.O, s.g.OH, s.g.OW}, x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&]<class T>() {
    const T* pb = b.defined() ? b.data<T>() : nullptr;
    if constexpr (std::is_same_v<T, float>)
      if (kernels::dnnl_conv2d_forward(s, plan.pad_bottom, plan.pad_right, x.data<T>(), w.data<T>(), pb, y.data<T>()))
        return;
    Tensor workspace(Shape{kernels::conv_forward_workspace(s)}, x.dtype());
    kernels::conv2d_forward<T>(s, x.data<T>(), w.data<T>(), pb, y.data<T>(), workspace.data<T>());
  });

  const bool has_bias = b.defined();
  if (has_bias ? needs_grad(x, w, b) : needs_grad(x, w)) {
    auto backward = [x = x.detach(), w = w.detach(), plan](const Tensor& gy, Grads& g) {
      const kernels::ConvShape& s = plan.shape;
      const bool want_x = g.needed(0), want_w = g.needed(1), want_b = g.size() > 2 && g.needed(2);
      if (want_x) g[0] = Tensor(x.shape(), x.dtype());
      if (want_w) g[1] = Tensor(w.shape(), w.dtype());
      if (want_b) g[2] = Tensor(Shape{s.O}, x.dtype());
      dispatch_floating(x.dtype(), "conv2d", [&]<class T>() {
        T* gx = want_x ? g[0].data<T>() : nullptr;
        T* gw = want_w ? g[1].data<T>() : nullptr;
        T* gb = want_b ? g[2].data<T>() : nullptr;
        if constexpr (std::is_same_v<T, float>)
          if (kernels::dnnl_conv2d_backward(s, plan.pad_bottom, plan.pad_right, x.data<T>(), w.data<T>(),
                                            gy.data<T>(), gx, gw, gb))
            return;
        Tensor workspace(Shape{kernels::conv_backward_workspace(s, want_w, want_b)}, x.dtype());
        kernels::conv2d_backward<T>(s, x.data<T>(), w.data<T>(), gy.data<T>(), gx, gw, gb, workspace.data<T>());
      });
    };
    if (has_bias) record(y, "conv2d", {&x, &w, &b}, std::move(backward));
    else record(y, "conv2d", {&x, &w}, std::move(backward));
  }
  return y;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  // One unbatched image [C, H, W] runs as a batch of one, through views (their backward is free).
  if (x.defined() && x.dim() == 3) return squeeze(conv2d_batched(unsqueeze(x, 0), weight, bias, params), 0);
  return conv2d_batched(x, weight, bias, params);
}

}  // namespace soma
