// upsample: PyTorch's F.interpolate checks and output-size rule (floor(in * scale_factor)),
// then forward and backward side by side. The index tables are built once per call and kept
// by the backward node; the loops live in kernels/upsample.cpp.
#include "soma/ops/upsample.h"

#include <cmath>
#include <memory>
#include <optional>
#include <sstream>

#include "kernels/upsample.h"
#include "soma/autograd/function.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

const char* mode_name(UpsampleMode mode) { return mode == UpsampleMode::nearest ? "nearest" : "bilinear"; }

struct UpsamplePlan {
  std::int64_t planes = 0, H = 0, W = 0, OH = 0, OW = 0;
  std::optional<double> scale_h, scale_w;  // the scale_factor, when given: PyTorch's kernels use it
};

UpsamplePlan plan_upsample(const Tensor& x, const UpsampleParams& p) {
  constexpr const char* op = "upsample";
  SOMA_CHECK(x.defined(), op, ": the input is undefined");
  SOMA_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 input, got ", name_of(x.dtype()));
  SOMA_CHECK(x.dim() == 4, op, ": expected an input [N, C, H, W], got shape ", x.shape());
  const bool has_size = !(p.size == Pair(0)), has_scale = !(p.scale_factor == Scale(0));
  SOMA_CHECK(has_size != has_scale, op, ": give exactly one of size and scale_factor, got ",
             has_size ? "both" : "neither");
  SOMA_CHECK(p.mode == UpsampleMode::bilinear || !p.align_corners, op,
             ": align_corners can only be set with mode bilinear (as in PyTorch), got mode ", mode_name(p.mode));
  UpsamplePlan plan;
  plan.planes = x.size(0) * x.size(1);
  plan.H = x.size(2);
  plan.W = x.size(3);
  if (has_size) {
    SOMA_CHECK(p.size.h >= 1 && p.size.w >= 1, op, ": size must be positive, got ", p.size);
    plan.OH = p.size.h;
    plan.OW = p.size.w;
  } else {
    SOMA_CHECK(p.scale_factor.h > 0 && p.scale_factor.w > 0 && std::isfinite(p.scale_factor.h) &&
                   std::isfinite(p.scale_factor.w),
               op, ": scale_factor must be positive, got ", p.scale_factor);
    plan.OH = static_cast<std::int64_t>(std::floor(double(plan.H) * p.scale_factor.h));
    plan.OW = static_cast<std::int64_t>(std::floor(double(plan.W) * p.scale_factor.w));
    plan.scale_h = p.scale_factor.h;
    plan.scale_w = p.scale_factor.w;
  }
  std::ostringstream rule;
  if (has_scale) rule << " (floor(size * scale_factor " << p.scale_factor << "))";
  SOMA_CHECK(plan.H >= 1 && plan.W >= 1 && plan.OH >= 1 && plan.OW >= 1, op,
             ": input and output sizes must be positive, got input ", x.shape(), " -> ", plan.OH, 'x', plan.OW,
             rule.str());
  return plan;
}

template <class T>
struct TapPair {
  kernels::Taps<T> rows, cols;
};

template <class T>
TapPair<T> taps_for(const UpsamplePlan& plan, const UpsampleParams& p) {
  if (p.mode == UpsampleMode::nearest)
    return {kernels::nearest_taps<T>(plan.H, plan.OH, plan.scale_h), kernels::nearest_taps<T>(plan.W, plan.OW, plan.scale_w)};
  return {kernels::linear_taps<T>(plan.H, plan.OH, p.align_corners, plan.scale_h),
          kernels::linear_taps<T>(plan.W, plan.OW, p.align_corners, plan.scale_w)};
}

}  // namespace

Tensor upsample(const Tensor& x, const UpsampleParams& params) {
  const UpsamplePlan plan = plan_upsample(x, params);
  Tensor y(Shape{x.size(0), x.size(1), plan.OH, plan.OW}, x.dtype());
  const bool grad = needs_grad(x);
  dispatch_floating(x.dtype(), "upsample", [&]<class T>() {
    auto taps = std::make_shared<TapPair<T>>(taps_for<T>(plan, params));
    if (params.mode == UpsampleMode::nearest)
      kernels::upsample_nearest_forward<T>(x.data<T>(), plan.planes, plan.H, plan.W, taps->rows, taps->cols, y.data<T>());
    else
      kernels::upsample_bilinear_forward<T>(x.data<T>(), plan.planes, plan.H, plan.W, taps->rows, taps->cols,
                                            y.data<T>());
    if (!grad) return;
    record(y, "upsample", {&x},
           [taps, plan, mode = params.mode, shape = x.shape(), dtype = x.dtype()](const Tensor& gy, Grads& g) {
             g[0] = Tensor(shape, dtype);
             if (mode == UpsampleMode::nearest)
               kernels::upsample_nearest_backward<T>(gy.data<T>(), plan.planes, plan.H, plan.W, taps->rows,
                                                     taps->cols, g[0].data<T>());
             else
               kernels::upsample_bilinear_backward<T>(gy.data<T>(), plan.planes, plan.H, plan.W, taps->rows,
                                                      taps->cols, g[0].data<T>());
           });
  });
  return y;
}

}  // namespace soma
