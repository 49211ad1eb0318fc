// GoogLeNet (Szegedy et al. 2015, "Going deeper with convolutions", table 1) built from
// Inception v1 modules, with torchvision's parameter paths and shapes (models.googlenet with
// aux_logits=False: "conv1.conv.weight", "inception3a.branch2.1.bn.running_var", "fc.bias").
// Like torchvision, each convolution is followed by batch norm (eps 0.001) and ReLU, and the
// "5x5" branch uses a 3x3 kernel (torchvision keeps this to stay compatible with its weights).
// Not here: the two auxiliary classifiers (the issue leaves them optional; they only matter in
// training, and torchvision drops them from its pretrained model).
#pragma once

#include <cstdint>
#include <memory>

#include "soma/core/generator.h"
#include "soma/nn/sequential.h"

namespace soma::models {

/// torchvision's BasicConv2d: "conv" (no bias), "bn" (BatchNorm2d, eps 0.001), "relu".
nn::Sequential basic_conv2d(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1,
                            std::int64_t padding = 0, DType dtype = DType::f32, Generator& gen = default_generator());

/// torchvision's transform_input: x_c * scale(c) + shift(c) = x_c * (std_c / 0.5) +
/// (mean_c - 0.5) / 0.5 with ImageNet's mean and std, so an ImageNet-normalized image arrives
/// normalized to [-1, 1] per channel. [N, 3, H, W] -> the same; no parameters.
class TransformInput : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "TransformInput"; }
  Shape output_shape(const Shape& input) const override;
  static double scale(int channel);
  static double shift(int channel);
};

struct InceptionOptions {
  std::int64_t in = 0;        ///< input channels (required)
  std::int64_t ch1x1 = 0;     ///< branch 1: 1x1 convolution
  std::int64_t ch3x3red = 0;  ///< branch 2: 1x1 reduction, then
  std::int64_t ch3x3 = 0;     ///<           3x3 convolution
  std::int64_t ch5x5red = 0;  ///< branch 3: 1x1 reduction, then
  std::int64_t ch5x5 = 0;     ///<           the "5x5" convolution (3x3 as torchvision; see five_by_five)
  std::int64_t pool_proj = 0;  ///< branch 4: 3x3/1 max pool, then a 1x1 projection
  /// true: branch 3 uses the paper's 5x5 kernel (padding 2); false: torchvision's 3x3.
  bool five_by_five = false;
  DType dtype = DType::f32;
};

/// The Inception v1 module (the paper's figure 2b): four branches on the same input,
/// concatenated along the channels; out = ch1x1 + ch3x3 + ch5x5 + pool_proj channels, same H, W.
/// Children "branch1" (a basic_conv2d) and "branch2" ... "branch4" (Sequentials of them, branch4
/// starting with its pool), as torchvision's.
///   models::Inception m({.in = 192, .ch1x1 = 64, .ch3x3red = 96, .ch3x3 = 128, .ch5x5red = 16,
///                        .ch5x5 = 32, .pool_proj = 32});   // inception3a: 192 -> 256 channels
class Inception : public nn::Module {
 public:
  /// Throws soma::Error when a size is below 1.
  explicit Inception(const InceptionOptions& options, Generator& gen = default_generator());
  /// x [N, in, H, W] -> [N, out, H, W]; throws naming the module and branch on a mismatch.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Inception"; }
  Shape output_shape(const Shape& input) const override;
  std::int64_t flops(const Shape& input) const override;
  std::int64_t out_channels() const;

 private:
  InceptionOptions options_;
  std::shared_ptr<nn::Sequential> branch_[4];
};

struct GoogLeNetOptions {
  std::int64_t in_channels = 3;
  std::int64_t classes = 1000;
  /// torchvision's transform_input: turn an input normalized with ImageNet's mean and std into
  /// one normalized to [-1, 1] per channel (what its pretrained weights expect; needs 3 channels).
  bool transform_input = false;
  /// true: the paper's 5x5 kernels in branch 3 (not torchvision-compatible).
  bool five_by_five = false;
  /// true: a 3x3, stride-1 stem without the first two max pools, for 28x28 or 32x32 images.
  bool small_input = false;
  /// Every channel count of table 1 times width / 64 (64: the paper's and torchvision's); a
  /// small network for 28x28 images takes 8 or 16. 8, 16, 32 or 64, which keep every count
  /// whole (the smallest, 16 and 24, become 2 and 3 at width 8).
  std::int64_t width = 64;
  double dropout = 0.2;  ///< before the last Dense layer (torchvision's; the paper's 0.4)
  DType dtype = DType::f32;
};

/// [TransformInput,] "conv1" (7x7/2), "maxpool1", "conv2" (1x1), "conv3" (3x3), "maxpool2",
/// "inception3a", "inception3b", "maxpool3", "inception4a" ... "inception4e", "maxpool4",
/// "inception5a", "inception5b", "avgpool", "flatten", "dropout", "fc"; max pools 3x3/2 with
/// ceil_mode (maxpool4 2x2/2), as torchvision. 6,624,904 parameters for 1000 classes.
/// Checked against torchvision on 32x32 images (tests/models/torchvision_reference_test.cpp).
nn::Sequential googlenet(const GoogLeNetOptions& options = {}, Generator& gen = default_generator());

}  // namespace soma::models
