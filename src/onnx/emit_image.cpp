// Emitters of the image layers over [N, C, H, W]: Conv2d, ConvTranspose2d, the pooling layers
// and Upsample. ONNX writes pads as [top, left, bottom, right].
#include <algorithm>

#include "emit.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/pool.h"
#include "soma/nn/upsample.h"
#include "soma/ops/window.h"

namespace soma::onnx {

namespace {

using Ints = std::vector<std::int64_t>;

Ints hw(Pair p) { return {p.h, p.w}; }
Ints both_sides(Pair p) { return {p.h, p.w, p.h, p.w}; }
Pair or_kernel(Pair stride, Pair kernel) { return stride == Pair(0) ? kernel : stride; }

void require_images(const nn::Module& layer, const std::string& path, const Value& x) {
  if (x.shape.dim() != 4)
    refuse(layer, path, "ONNX takes its input batched, [N, C, H, W]; the export gives it " + x.shape.str());
}

// A convolution's inputs: x, the weight, and the bias when the layer has one.
std::vector<std::string> weighted(Context& cx, const Value& x, const Tensor& weight, const Tensor& bias,
                                  const std::string& hint) {
  std::vector<std::string> inputs{x.name, cx.builder.constant(hint + ".weight", weight)};
  if (bias.defined()) inputs.push_back(cx.builder.constant(hint + ".bias", bias));
  return inputs;
}

Value conv(Context& cx, const nn::Conv2d& c, const std::string& path, const Value& x) {
  require_images(c, path, x);
  const nn::Conv2dOptions& o = c.options();
  const auto [top, bottom] = conv_axis_padding(o.padding, o.padding.sizes().h, o.kernel.h, o.dilation.h);
  const auto [left, right] = conv_axis_padding(o.padding, o.padding.sizes().w, o.kernel.w, o.dilation.w);
  const std::string hint = hint_of(c, path);
  const std::string y = cx.builder.node1(
      "Conv", weighted(cx, x, c.weight(), c.bias(), hint), hint,
      {{"kernel_shape", hw(o.kernel)}, {"strides", hw(o.stride)}, {"dilations", hw(o.dilation)},
       {"pads", Ints{top, left, bottom, right}}, {"group", o.groups}});
  // Conv2d's activation normalizes softmax over the channels (axis -3), as nn/activation.h.
  return activation(cx, c, path, activation_option(o), {y, c.output_shape(x.shape)}, -3);
}

// The weight [in, out / groups, kH, kW] is ONNX's layout too; output sizes agree with PyTorch's
// formula (pads cut from each side, output_padding added at the end).
Value conv_transpose(Context& cx, const nn::ConvTranspose2d& c, const std::string& path, const Value& x) {
  require_images(c, path, x);
  const nn::ConvTranspose2dOptions& o = c.options();
  const std::string hint = hint_of(c, path);
  const std::string y = cx.builder.node1(
      "ConvTranspose", weighted(cx, x, c.weight(), c.bias(), hint), hint,
      {{"kernel_shape", hw(o.kernel)}, {"strides", hw(o.stride)}, {"dilations", hw(o.dilation)},
       {"pads", both_sides(o.padding)}, {"output_padding", hw(o.output_padding)}, {"group", o.groups}});
  return {y, c.output_shape(x.shape)};
}

// Pooling windows as PyTorch places them, in ONNX's floor mode: ceil_mode becomes extra
// padding at the end, as much as the last window needs (ONNX 1.12's ceil_mode would keep a last
// window that starts in the right padding, which PyTorch drops). The extra pad is always
// smaller than the kernel, and neither pooling counts it: max ignores padding, and average
// pooling is told not to count padding.
struct PoolWindows {
  Pair kernel, stride, begin, end;
  bool extended = false;  // end padding added beyond the layer's own
};

PoolWindows pool_windows(const Shape& input, Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  PoolWindows w{kernel, or_kernel(stride, kernel), padding, padding};
  auto end_pad = [&](std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) {
    const std::int64_t out = pool_output_size(in, k, s, p, ceil_mode);
    return std::max(p, (out - 1) * s + k - in - p);
  };
  w.end = {end_pad(input[2], kernel.h, w.stride.h, padding.h), end_pad(input[3], kernel.w, w.stride.w, padding.w)};
  w.extended = w.end != padding;
  return w;
}

std::vector<Attribute> pool_attributes(const PoolWindows& w) {
  return {{"kernel_shape", hw(w.kernel)},
          {"strides", hw(w.stride)},
          {"pads", Ints{w.begin.h, w.begin.w, w.end.h, w.end.w}}};
}

Value max_pool(Context& cx, const nn::MaxPool2d& p, const std::string& path, const Value& x) {
  require_images(p, path, x);
  const nn::MaxPool2dOptions& o = p.options();
  const PoolWindows w = pool_windows(x.shape, o.kernel, o.stride, o.padding, o.ceil_mode);
  return {cx.builder.node1("MaxPool", {x.name}, hint_of(p, path), pool_attributes(w)), p.output_shape(x.shape)};
}

// PyTorch's divisor with count_include_pad counts the layer's padding but never the extra pad
// of ceil_mode: then the layer's padding is written as zeros by a Pad node, and the average
// counts only what it reads.
Value avg_pool(Context& cx, const nn::AvgPool2d& p, const std::string& path, const Value& x) {
  require_images(p, path, x);
  const nn::AvgPool2dOptions& o = p.options();
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(p, path);
  PoolWindows w = pool_windows(x.shape, o.kernel, o.stride, o.padding, o.ceil_mode);
  const bool padded = o.padding != Pair(0);
  std::string in = x.name;
  bool count_pad = o.count_include_pad && padded;
  if (count_pad && w.extended) {
    const Ints pads{0, 0, o.padding.h, o.padding.w, 0, 0, o.padding.h, o.padding.w};  // N, C, H, W begins, then ends
    in = b.node1("Pad", {x.name, b.ints(hint + "/pads", pads)}, hint + "/pad");
    w.end = {w.end.h - o.padding.h, w.end.w - o.padding.w};
    w.begin = 0;
    count_pad = false;
  }
  std::vector<Attribute> attributes = pool_attributes(w);
  attributes.push_back({"count_include_pad", std::int64_t{count_pad}});
  return {b.node1("AveragePool", {in}, hint, attributes), p.output_shape(x.shape)};
}

// Resize with the coordinate rules of ops/upsample.h: nearest takes floor(dst / scale)
// ("asymmetric", "floor"); bilinear maps pixel centres (PyTorch's half-pixel rule) or corners.
// A size is given as a sizes input built from the input's own N and C, so the batch stays free.
Value upsample(Context& cx, const nn::Upsample& u, const std::string& path, const Value& x) {
  require_images(u, path, x);
  const nn::UpsampleOptions& o = u.options();
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(u, path);
  std::vector<Attribute> attributes;
  if (o.mode == nn::UpsampleMode::nearest)
    attributes = {{"mode", std::string("nearest")},
                  {"coordinate_transformation_mode", std::string("asymmetric")},
                  {"nearest_mode", std::string("floor")}};
  else
    attributes = {{"mode", std::string("linear")},
                  {"coordinate_transformation_mode",
                   std::string(o.align_corners ? "align_corners" : "pytorch_half_pixel")}};
  std::vector<std::string> inputs{x.name, ""};
  if (o.size == Pair(0)) {
    inputs.push_back(b.floats(hint + "/scales", {1.0f, 1.0f, static_cast<float>(o.scale_factor.h),
                                                 static_cast<float>(o.scale_factor.w)}));
  } else {
    const std::string shape = b.node1("Shape", {x.name}, hint + "/input_shape", {{"end", std::int64_t{2}}});
    inputs.push_back("");
    inputs.push_back(b.node1("Concat", {shape, b.ints(hint + "/size", hw(o.size))}, hint + "/sizes",
                             {{"axis", std::int64_t{0}}}));
  }
  return {b.node1("Resize", inputs, hint, attributes), u.output_shape(x.shape)};
}

}  // namespace

std::optional<Value> emit_image_layers(Context& cx, const nn::Module& layer, const std::string& path,
                                       const Value& x) {
  if (auto* c = dynamic_cast<const nn::Conv2d*>(&layer)) return conv(cx, *c, path, x);
  if (auto* c = dynamic_cast<const nn::ConvTranspose2d*>(&layer)) return conv_transpose(cx, *c, path, x);
  if (auto* p = dynamic_cast<const nn::MaxPool2d*>(&layer)) return max_pool(cx, *p, path, x);
  if (auto* p = dynamic_cast<const nn::AvgPool2d*>(&layer)) return avg_pool(cx, *p, path, x);
  if (dynamic_cast<const nn::GlobalAvgPool2d*>(&layer)) {
    require_images(layer, path, x);
    return Value{cx.builder.node1("GlobalAveragePool", {x.name}, hint_of(layer, path)), layer.output_shape(x.shape)};
  }
  if (auto* u = dynamic_cast<const nn::Upsample*>(&layer)) return upsample(cx, *u, path, x);
  return std::nullopt;
}

}  // namespace soma::onnx
