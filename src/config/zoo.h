// The "model" section's zoo form, {"zoo": "lenet5", "classes": 10, options...}: a named
// architecture of the models layer, built for the data's example shape. Private to config.
#pragma once

#include "soma/config/builders.h"

namespace soma::config::detail {

/// Builds the zoo network the section names; the input channels (and LeNet-5's and Overfeat's
/// image size) come from `input_shape` ([C, H, W]). Throws ConfigError at the section's path for
/// an unknown name, an unknown option or an input the network cannot take.
BuiltModel build_zoo(Section& s, const std::vector<std::int64_t>& input_shape, DType dtype, Generator& gen);

}  // namespace soma::config::detail
