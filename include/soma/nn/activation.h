// Activation layers: thin modules over the functions in ops/activation.h.
#pragma once

#include "soma/nn/module.h"

namespace soma::nn {

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }

 private:
  double slope_;
};

/// The perceptron's step: 1 where x >= at, else 0 (forward only).
class Threshold : public Module {
 public:
  explicit Threshold(double at = 0) : at_(at) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Threshold"; }

 private:
  double at_;
};

class Softmax : public Module {
 public:
  explicit Softmax(int axis = -1) : axis_(axis) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Softmax"; }

 private:
  int axis_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int axis = -1) : axis_(axis) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LogSoftmax"; }

 private:
  int axis_;
};

}  // namespace soma::nn
