// Loss modules: objects that hold a loss's options (reduction, delta, margin) so a Trainer can
// be handed "the loss" once: train::Trainer trainer(net, opt, loss::CrossEntropy()).
// Each is a thin wrapper over the functional losses in ops/loss.h, with the same semantics,
// shapes and errors; no math lives here.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "soma/ops/loss.h"

namespace soma::loss {

/// The base of every loss module: loss(prediction, target) -> a tensor (0-dim unless the
/// reduction is none), differentiable in `prediction`.
///   loss::CrossEntropy ce;  Tensor l = ce(logits, labels);  l.backward();
class Loss {
 public:
  virtual ~Loss() = default;

  /// Computes the loss. Shapes, dtypes and errors are those of the wrapped function in
  /// ops/loss.h (throws soma::Error naming both shapes on a mismatch).
  virtual Tensor operator()(const Tensor& prediction, const Tensor& target) const = 0;
  /// Short lowercase name ("cross_entropy", "mse"), used in logs and errors.
  virtual std::string name() const = 0;
  /// A copy of this loss (a Trainer keeps its own, so a temporary can be passed to it).
  virtual std::unique_ptr<Loss> clone() const = 0;

  /// How per-example losses are combined.
  Reduction reduction() const { return reduction_; }

 protected:
  explicit Loss(Reduction reduction) : reduction_(reduction) {}

 private:
  Reduction reduction_;
};

/// Options of the losses without parameters of their own.
struct LossOptions {
  Reduction reduction = Reduction::mean;  ///< mean (default), sum or none
};

/// Softmax cross-entropy from logits [N, C] against int64 labels [N] or probabilities [N, C]
/// (ops cross_entropy; PyTorch's nn.CrossEntropyLoss without ignore_index).
class CrossEntropy : public Loss {
 public:
  explicit CrossEntropy(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "cross_entropy"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<CrossEntropy>(*this); }
};

/// PyTorch's NLLLoss: -input[n, y_n] on log-probabilities [N, C] (a LogSoftmax's output)
/// against int64 labels [N] (ops nll_loss).
class NLL : public Loss {
 public:
  explicit NLL(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "nll"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<NLL>(*this); }
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;               ///< Keras' default: the prediction holds probabilities
  Reduction reduction = Reduction::mean;  ///< mean (default), sum or none
};

/// Keras' categorical cross-entropy (ops categorical_crossentropy): probabilities [N, C] (a
/// softmax's output) or, with from_logits, logits; against one-hot or soft targets [N, C] or
/// int64 labels [N] (Keras' sparse_categorical_crossentropy).
///   Dense(10, activation="softmax") + loss::CategoricalCrossentropy()   // Keras' classifier
class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(const CategoricalCrossentropyOptions& options = {})
      : Loss(options.reduction), from_logits_(options.from_logits) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "categorical_crossentropy"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<CategoricalCrossentropy>(*this); }
  bool from_logits() const { return from_logits_; }

 private:
  bool from_logits_;
};

/// Mean squared error (input - target)^2; prediction and target of one shape (ops mse_loss).
class MSE : public Loss {
 public:
  explicit MSE(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "mse"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<MSE>(*this); }
};

/// Mean absolute error |input - target| (ops l1_loss; PyTorch's L1Loss).
class MAE : public Loss {
 public:
  explicit MAE(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "mae"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<MAE>(*this); }
};
/// PyTorch's name for MAE.
using L1 = MAE;

/// Binary cross-entropy on probabilities in [0, 1] (ops binary_cross_entropy).
class BCE : public Loss {
 public:
  explicit BCE(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "bce"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<BCE>(*this); }
};

/// Binary cross-entropy on logits, stable for any logit (ops binary_cross_entropy_with_logits).
class BCEWithLogits : public Loss {
 public:
  explicit BCEWithLogits(const LossOptions& options = {}) : Loss(options.reduction) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "bce_with_logits"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<BCEWithLogits>(*this); }
};

struct HingeOptions {
  double margin = 1;                      ///< the margin in max(0, margin - t x)
  Reduction reduction = Reduction::mean;  ///< mean (default), sum or none
};

/// SVM hinge max(0, margin - t x) for targets in {-1, 1} (ops hinge_loss).
class Hinge : public Loss {
 public:
  explicit Hinge(const HingeOptions& options = {}) : Loss(options.reduction), margin_(options.margin) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "hinge"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<Hinge>(*this); }
  double margin() const { return margin_; }

 private:
  double margin_;
};

struct HuberOptions {
  double delta = 1;                       ///< where the loss turns from quadratic to linear (> 0)
  Reduction reduction = Reduction::mean;  ///< mean (default), sum or none
};

/// Huber loss (ops huber_loss): quadratic for |d| < delta, linear beyond.
///   loss::Huber(0.5)  or  loss::Huber({.delta = 0.5, .reduction = Reduction::sum})
/// Throws soma::Error unless delta > 0 (at construction).
class Huber : public Loss {
 public:
  explicit Huber(const HuberOptions& options = {});
  explicit Huber(double delta) : Huber(HuberOptions{.delta = delta}) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "huber"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<Huber>(*this); }
  double delta() const { return delta_; }

 private:
  double delta_;
};

struct SmoothL1Options {
  double beta = 1;                        ///< width of the quadratic zone (>= 0; 0 is MAE)
  Reduction reduction = Reduction::mean;  ///< mean (default), sum or none
};

/// Smooth L1 (ops smooth_l1_loss) = Huber(beta) / beta. Throws soma::Error for beta < 0.
class SmoothL1 : public Loss {
 public:
  explicit SmoothL1(const SmoothL1Options& options = {});
  explicit SmoothL1(double beta) : SmoothL1(SmoothL1Options{.beta = beta}) {}
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return "smooth_l1"; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<SmoothL1>(*this); }
  double beta() const { return beta_; }

 private:
  double beta_;
};

/// A loss from any function, for costs the classes above do not cover:
///   loss::Function half_sse("half_sse", [](const Tensor& p, const Tensor& t) {
///     return 0.5 * mse_loss(p, t, Reduction::sum); }, Reduction::sum);
/// `reduction` states what the function does, so a Trainer averages its values correctly:
/// mean (a per-example average) or sum (a total over the batch). Throws soma::Error for an
/// empty function.
class Function : public Loss {
 public:
  using Fn = std::function<Tensor(const Tensor& prediction, const Tensor& target)>;
  Function(std::string name, Fn fn, Reduction reduction = Reduction::mean);
  Tensor operator()(const Tensor& prediction, const Tensor& target) const override;
  std::string name() const override { return name_; }
  std::unique_ptr<Loss> clone() const override { return std::make_unique<Function>(*this); }

 private:
  std::string name_;
  Fn fn_;
};

}  // namespace soma::loss
