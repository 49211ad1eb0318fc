// Upsample: the options checked when the layer is built, errors prefixed with the layer.
#include "soma/nn/upsample.h"

#include <cmath>
#include <sstream>

namespace soma::nn {

Upsample::Upsample(const UpsampleOptions& options) : options_(options) {
  const UpsampleOptions& o = options;
  const bool has_size = !(o.size == Pair(0)), has_scale = !(o.scale_factor == Scale(0));
  SOMA_CHECK(has_size != has_scale, "Upsample: give exactly one of .size and .scale_factor, got ",
             has_size ? "both" : "neither");
  SOMA_CHECK(!has_size || (o.size.h >= 1 && o.size.w >= 1), "Upsample: size must be positive, got ", o.size);
  SOMA_CHECK(!has_scale || (o.scale_factor.h > 0 && o.scale_factor.w > 0 && std::isfinite(o.scale_factor.h) &&
                            std::isfinite(o.scale_factor.w)),
             "Upsample: scale_factor must be positive, got ", o.scale_factor);
  SOMA_CHECK(o.mode == UpsampleMode::bilinear || !o.align_corners,
             "Upsample: align_corners can only be set with mode bilinear (as in PyTorch)");
}

namespace {

// "Upsample(scale_factor 2)", "Upsample(size 7x9, bilinear)" for shape errors.
std::string describe(const UpsampleOptions& o) {
  std::ostringstream os;
  if (o.size == Pair(0)) {
    os << "Upsample(scale_factor " << o.scale_factor;
  } else {
    os << "Upsample(size " << o.size;
  }
  if (o.mode == UpsampleMode::bilinear) os << ", bilinear";
  os << ')';
  return os.str();
}

std::string rule(const UpsampleOptions& o) {
  std::ostringstream os;
  if (o.size == Pair(0)) {
    os << "scale_factor " << o.scale_factor;
  } else {
    os << "size " << o.size.h << 'x' << o.size.w;
  }
  return os.str();
}

}  // namespace

Shape Upsample::output_shape(const Shape& input) const {
  const UpsampleOptions& o = options_;
  SOMA_CHECK(input.dim() == 4, describe(o), " expects [N, C, H, W] but receives ", input);
  const std::int64_t H = input[2], W = input[3];
  // The op's rule (ops/upsample.cpp): the size as given, or floor(in * scale) computed in double.
  const bool has_size = !(o.size == Pair(0));
  const std::int64_t OH = has_size ? o.size.h : static_cast<std::int64_t>(std::floor(double(H) * o.scale_factor.h));
  const std::int64_t OW = has_size ? o.size.w : static_cast<std::int64_t>(std::floor(double(W) * o.scale_factor.w));
  SOMA_CHECK(H >= 1 && W >= 1 && OH >= 1 && OW >= 1, describe(o), ": input ", input[1], 'x', H, 'x', W, ", ",
             rule(o), " -> ", OH, 'x', OW, has_size ? "" : " (each side: floor(in * scale_factor))",
             ": input and output planes must not be empty");
  return {input[0], input[1], OH, OW};
}

std::string Upsample::shape_arithmetic(const Shape& input) const {
  const Shape out = output_shape(input);
  std::ostringstream os;
  os << "input " << input[1] << 'x' << input[2] << 'x' << input[3] << ", " << rule(options_) << " -> " << out[2] << 'x'
     << out[3];
  return os.str();
}

Tensor Upsample::forward(const Tensor& x) {
  try {
    return upsample(x, options_);
  } catch (const Error& e) {
    throw Error(std::string("Upsample: ") + e.what());
  }
}

}  // namespace soma::nn
