// Flatten: the view op of ops/view.h, with errors that name the layer.
#include "soma/nn/flatten.h"

#include "soma/ops/view.h"

namespace soma::nn {

Tensor Flatten::forward(const Tensor& x) {
  try {
    return flatten(x, start_, end_);
  } catch (const Error& e) {
    throw Error("Flatten(" + std::to_string(start_) + ", " + std::to_string(end_) + "): " + e.what());
  }
}

}  // namespace soma::nn
