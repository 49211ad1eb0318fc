// Upsample: the options checked when the layer is built, errors prefixed with the layer.
#include "soma/nn/upsample.h"

#include <cmath>

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

Tensor Upsample::forward(const Tensor& x) {
  try {
    return upsample(x, options_);
  } catch (const Error& e) {
    throw Error(std::string("Upsample: ") + e.what());
  }
}

}  // namespace soma::nn
