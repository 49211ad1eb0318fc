// Emitters of the image layers over [N, C, H, W]: Conv2d, ConvTranspose2d, the pooling layers,
// Upsample and LocalResponseNorm. ONNX writes pads as [top, left, bottom, right].
#include <algorithm>

#include "emit.h"
#include "kernels/pool.h"
#include "soma/core/factory.h"
#include "soma/nn/conv.h"
#include "soma/nn/conv_transpose.h"
#include "soma/nn/local_response_norm.h"
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

// PyTorch's windows, [floor(i * in / out), ceil((i + 1) * in / out)) on each axis. Equal
// windows that tile the plane are an AveragePool; others the separable mean over each window,
// as two MatMuls with averaging matrices: A_h [OH, H] x (x [N, C, H, W] x A_w^T [W, OW]).
Value adaptive_avg_pool(Context& cx, const nn::AdaptiveAvgPool2d& p, const std::string& path, const Value& x) {
  require_images(p, path, x);
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(p, path);
  const Shape out_shape = p.output_shape(x.shape);
  const std::int64_t h = x.shape[2], w = x.shape[3], oh = out_shape[2], ow = out_shape[3];
  if (oh == 1 && ow == 1) return {b.node1("GlobalAveragePool", {x.name}, hint), out_shape};
  if (h % oh == 0 && w % ow == 0) {
    const Ints window{h / oh, w / ow};
    return {b.node1("AveragePool", {x.name}, hint, {{"kernel_shape", window}, {"strides", window}}), out_shape};
  }
  // averaging(in, out, transposed): [out, in] (or [in, out]) with 1 / window length in each window.
  auto averaging = [](std::int64_t in, std::int64_t out, bool transposed) {
    Tensor m = zeros(transposed ? Shape{in, out} : Shape{out, in}, DType::f32);
    for (std::int64_t i = 0; i < out; ++i) {
      const std::int64_t begin = kernels::adaptive_start(i, in, out), end = kernels::adaptive_end(i, in, out);
      for (std::int64_t j = begin; j < end; ++j)
        m.data<float>()[transposed ? j * out + i : i * in + j] = 1.0f / static_cast<float>(end - begin);
    }
    return m;
  };
  const std::string rows = b.node1("MatMul", {x.name, b.constant(hint + "/columns", averaging(w, ow, true))},
                                   hint + "/width");
  return {b.node1("MatMul", {b.constant(hint + "/rows", averaging(h, oh, false)), rows}, hint), out_shape};
}

// PyTorch sums the squares over channels [c - size / 2, c + (size - 1) / 2]; ONNX's LRN over
// [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)]: the same for odd sizes. An even size,
// or a rank other than 4 (onnxruntime's LRN takes [N, C, H, W] only), is written out: the sums
// as a MatMul of the squares, channels moved last, with a band of ones.
Value local_response_norm(Context& cx, const nn::LocalResponseNorm& l, const std::string& path, const Value& x) {
  const nn::LocalResponseNormOptions& o = l.options();
  const Shape shape = l.output_shape(x.shape);
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(l, path);
  if (o.size % 2 == 1 && x.shape.dim() == 4)
    return {b.node1("LRN", {x.name}, hint,
                    {{"size", o.size}, {"alpha", static_cast<float>(o.alpha)}, {"beta", static_cast<float>(o.beta)},
                     {"bias", static_cast<float>(o.k)}}),
            shape};
  const std::int64_t rank = x.shape.dim(), channels = x.shape[1];
  Ints last{0}, back{0, rank - 1};  // channels moved last, and back to axis 1
  for (std::int64_t a = 2; a < rank; ++a) last.push_back(a);
  last.push_back(1);
  for (std::int64_t a = 1; a < rank - 1; ++a) back.push_back(a);
  Tensor band = zeros({channels, channels}, DType::f32);  // band[i][c]: channel i counts for c
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = std::max<std::int64_t>(0, c - o.size / 2); i <= std::min(channels - 1, c + (o.size - 1) / 2);
         ++i)
      band.data<float>()[i * channels + c] = 1.0f;
  const std::string squares = b.node1("Mul", {x.name, x.name}, hint + "/squares");
  const std::string moved = b.node1("Transpose", {squares}, hint + "/channels_last", {{"perm", last}});
  const std::string sums = b.node1("MatMul", {moved, b.constant(hint + "/band", band)}, hint + "/sums");
  const std::string sum = b.node1("Transpose", {sums}, hint + "/sum", {{"perm", back}});
  const std::string scaled =
      b.node1("Mul", {sum, b.floats(hint + "/alpha_over_size", {static_cast<float>(o.alpha / double(o.size))})},
              hint + "/scaled");
  const std::string base = b.node1("Add", {scaled, b.floats(hint + "/k", {static_cast<float>(o.k)})}, hint + "/base");
  const std::string power = b.node1("Pow", {base, b.floats(hint + "/beta", {static_cast<float>(o.beta)})},
                                    hint + "/power");
  return {b.node1("Div", {x.name, power}, hint), shape};
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
  if (auto* p = dynamic_cast<const nn::AdaptiveAvgPool2d*>(&layer)) return adaptive_avg_pool(cx, *p, path, x);
  if (auto* u = dynamic_cast<const nn::Upsample*>(&layer)) return upsample(cx, *u, path, x);
  if (auto* l = dynamic_cast<const nn::LocalResponseNorm*>(&layer)) return local_response_norm(cx, *l, path, x);
  return std::nullopt;
}

}  // namespace soma::onnx
