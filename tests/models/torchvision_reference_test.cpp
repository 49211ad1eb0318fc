// The zoo's torchvision layouts against torchvision 0.14 itself: parameter and buffer names,
// shapes, kinds and counts equal its state dict's, and with every tensor filled by the formula
// of make_torchvision_reference.py (computed here again, bit for bit) the eval-mode forward
// output equals torchvision's within 1e-4 relative in float32. The weights go in through
// io::load_state_dict (GoogLeNet through a safetensors file and io::load), as a user's converted
// torchvision weights would. Data: tests/reference/data/torchvision_*.json and
// torchvision_io.safetensors; nothing here runs Python.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>

#include "reference/reference_support.h"
#include "soma/core/factory.h"
#include "soma/io/safetensors.h"
#include "soma/io/weights.h"
#include "soma/models/alexnet.h"
#include "soma/models/googlenet.h"
#include "soma/models/resnet.h"
#include "soma/models/vgg.h"

namespace soma::test {
namespace {

using reference::Json;

// u in [-0.5, 0.5) for element i of tensor k: splitmix64, as the script.
double unit(std::uint64_t i, std::uint64_t k) {
  std::uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull + k * 0xD1B54A32D192ED03ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return double(z >> 11) * 0x1.0p-53 - 0.5;
}

Tensor filled(const Shape& shape, const std::string& kind, std::uint64_t k) {
  if (kind == "num_batches_tracked") return zeros(shape, DType::i64);
  Tensor t(shape, DType::f32);
  float* p = t.data<float>();
  const std::int64_t n = t.numel();
  double scale = 0, offset = 0;
  if (kind == "weight") scale = 2 * std::sqrt(6.0 / double(n / shape[0]));
  else if (kind == "bias" || kind == "bn_bias" || kind == "running_mean") scale = 0.2;
  else if (kind == "bn_weight") offset = 1, scale = 0.5;
  else if (kind == "running_var") offset = 1, scale = 0.8;
  else ADD_FAILURE() << "unknown kind " << kind;
  for (std::int64_t i = 0; i < n; ++i) p[i] = float(offset == 0 ? unit(i, k) * scale : offset + scale * unit(i, k));
  return t;
}

nn::Sequential build(const std::string& name) {
  Generator gen(1);
  if (name == "alexnet") return models::alexnet({}, gen);
  if (name == "googlenet") return models::googlenet({.transform_input = true}, gen);
  if (name == "resnet50") return models::resnet50({}, gen);
  const bool bn = name.ends_with("_bn");
  return models::vgg({.depth = std::stoi(name.substr(3, 2)), .batch_norm = bn}, gen);
}

const io::SafetensorsFile& io_file() {
  static const io::SafetensorsFile file = io::load_safetensors(std::string(SOMA_REFERENCE_DIR) + "/torchvision_io.safetensors");
  return file;
}

// Names, shapes and counts; then the forward pass with the formula's weights.
void check_against_torchvision(const std::string& name, bool through_file = false) {
  SCOPED_TRACE(name);
  const Json ref = reference::load("torchvision_" + name + ".json");
  nn::Sequential net = build(name);
  net.eval();
  EXPECT_EQ(net.parameter_count(), ref.at("parameters").get<std::int64_t>());

  // The parameters and the buffers, each in torchvision's order.
  std::vector<std::string> ref_params, ref_buffers, params, buffers;
  std::vector<std::pair<std::string, Tensor>> weights;
  const Json& entries = ref.at("state_dict");
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const std::string n = entries[k].at("name"), kind = entries[k].at("kind");
    const auto dims = entries[k].at("shape").get<std::vector<std::int64_t>>();
    const bool buffer = kind == "running_mean" || kind == "running_var" || kind == "num_batches_tracked";
    (buffer ? ref_buffers : ref_params).push_back(n);
    weights.emplace_back(n, filled(Shape(std::span<const std::int64_t>(dims)), kind, k));
  }
  for (const auto& [n, t] : net.named_parameters()) params.push_back(n);
  for (const auto& [n, t] : net.named_buffers()) buffers.push_back(n);
  EXPECT_EQ(params, ref_params);
  EXPECT_EQ(buffers, ref_buffers);

  if (through_file) {
    const std::string path = (std::filesystem::temp_directory_path() / ("soma_torchvision_" + name + ".safetensors")).string();
    io::save_safetensors(path, weights);
    io::load(net, path);  // strict: every name and shape must match
    std::filesystem::remove(path);
  } else {
    io::load_state_dict(net, weights);  // strict; shapes checked one by one
  }
  weights.clear();

  const Tensor x = io_file().at(name + ".input");
  const Tensor expected = io_file().at(name + ".output");
  const Tensor y = net(x);
  ASSERT_EQ(y.shape(), expected.shape());
  // Relative to the output's scale: max |y - expected| / max |expected|. Printed too: the
  // largest difference relative to each element (floored at 1% of the scale, so that outputs
  // near 0 do not divide by ~0).
  double largest = 0, diff = 0, elementwise = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) largest = std::max(largest, std::abs(double(expected.data<float>()[i])));
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double a = y.data<float>()[i], b = expected.data<float>()[i];
    diff = std::max(diff, std::abs(a - b));
    elementwise = std::max(elementwise, std::abs(a - b) / std::max(std::abs(b), 1e-2 * largest));
  }
  std::printf("%s: max |difference| / max |output| = %.3g; elementwise %.3g (%lld outputs, max |output| %.4g)\n",
              name.c_str(), diff / largest, elementwise, static_cast<long long>(y.numel()), largest);
  EXPECT_LT(diff / largest, 1e-4);
}

TEST(TorchvisionReference, AlexNet) { check_against_torchvision("alexnet"); }
TEST(TorchvisionReference, GoogLeNetThroughASafetensorsFile) { check_against_torchvision("googlenet", true); }
TEST(TorchvisionReference, ResNet50) { check_against_torchvision("resnet50"); }
TEST(TorchvisionReference, VGG16WithBatchNorm) { check_against_torchvision("vgg16_bn"); }

// The other seven VGGs (130-144 M parameters each, ~0.5 GB apiece and seconds to build on this
// machine): opt-in, run with --gtest_also_run_disabled_tests --gtest_filter='*EveryVGG*'.
TEST(TorchvisionReference, DISABLED_EveryVGG) {
  for (const char* name : {"vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg19", "vgg19_bn"})
    check_against_torchvision(name);
}

}  // namespace
}  // namespace soma::test
