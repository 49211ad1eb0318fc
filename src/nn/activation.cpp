// Activation layers.
#include "soma/nn/activation.h"

#include "soma/ops/activation.h"

namespace soma::nn {

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, slope_); }
Tensor Threshold::forward(const Tensor& x) { return threshold(x, at_); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, axis_); }
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, axis_); }

namespace {
Shape with_axis_checked(const char* layer, int axis, const Shape& input) {
  SOMA_CHECK(axis >= -input.dim() && axis < input.dim(), layer, "(", axis, "): axis ", axis,
             " is out of range for input ", input);
  return input;
}
}  // namespace

Shape Softmax::output_shape(const Shape& input) const { return with_axis_checked("Softmax", axis_, input); }
Shape LogSoftmax::output_shape(const Shape& input) const { return with_axis_checked("LogSoftmax", axis_, input); }

}  // namespace soma::nn
