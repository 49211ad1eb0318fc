// Helpers shared by the Trainer tests (tests/train/*_test.cpp): a small synthetic
// classification task (Gaussian blobs, so a tiny MLP learns it in a few epochs), the model
// for it, and bit-exact comparisons of model weights. Test-only code; not part of the library.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "soma/soma.h"

namespace soma::test::train {

/// `n` examples of `classes` Gaussian blobs in `features` dimensions: x float32 [n, features]
/// (class c centred at 2 * one-hot-ish directions), y int64 [n]. Deterministic for a seed.
inline std::shared_ptr<data::TensorDataset> blobs(std::int64_t n, std::uint64_t seed, std::int64_t features = 4,
                                                  std::int64_t classes = 3) {
  Generator gen(seed);
  Tensor x({n, features}, DType::f32);
  Tensor y({n}, DType::i64);
  float* px = x.data<float>();
  std::int64_t* py = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = std::int64_t(gen.below(classes));
    py[i] = c;
    for (std::int64_t f = 0; f < features; ++f)
      px[i * features + f] = float(gen.normal() + (f % classes == c ? 2.0 : 0.0));
  }
  return std::make_shared<data::TensorDataset>(x, y);
}

/// features -> 16 -> ReLU -> Dropout(0.2) -> classes, initialized from default_generator().
inline std::unique_ptr<nn::Sequential> blob_model(std::int64_t features = 4, std::int64_t classes = 3,
                                                  double dropout = 0.2) {
  auto net = std::make_unique<nn::Sequential>();
  net->push_back(nn::Dense(features, 16));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(dropout));
  net->push_back(nn::Dense(16, classes));
  return net;
}

/// 4 -> hidden -> ReLU -> Dropout(p) -> 3, every layer built from Generator(seed): the same
/// weights and dropout masks whatever else the process draws.
inline std::unique_ptr<nn::Sequential> seeded_model(std::uint64_t seed, std::int64_t hidden = 16, double p = 0.3) {
  Generator gen(seed);
  auto net = std::make_unique<nn::Sequential>();
  net->push_back(nn::Dense(4, hidden, gen));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(p, gen));
  net->push_back(nn::Dense(hidden, 3, gen));
  return net;
}

/// Copies of the model's parameters and buffers, by name.
inline std::vector<std::pair<std::string, Tensor>> weights_of(const nn::Module& model) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, t] : model.named_parameters()) out.emplace_back(name, t.copy());
  for (const auto& [name, t] : model.named_buffers()) out.emplace_back(name, t.copy());
  return out;
}

/// True when both lists name the same tensors with the same bytes.
inline ::testing::AssertionResult bit_identical(const std::vector<std::pair<std::string, Tensor>>& a,
                                                const std::vector<std::pair<std::string, Tensor>>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " tensors";
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first) return ::testing::AssertionFailure() << a[i].first << " vs " << b[i].first;
    const Tensor &x = a[i].second, &y = b[i].second;
    if (!(x.shape() == y.shape()) || x.dtype() != y.dtype() ||
        std::memcmp(x.raw_data(), y.raw_data(), x.numel() * size_of(x.dtype())) != 0)
      return ::testing::AssertionFailure() << a[i].first << " differs";
  }
  return ::testing::AssertionSuccess();
}

/// A fresh temporary folder for one test, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

inline TempDir::TempDir() {
  char pattern[] = "/tmp/soma-train-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  SOMA_CHECK(made, "TempDir: mkdtemp failed");
  dir_ = made;
}

inline TempDir::~TempDir() {
  const std::string command = "rm -rf '" + dir_ + "'";
  [[maybe_unused]] const int rc = std::system(command.c_str());
}

}  // namespace soma::test::train
