// Supervised: the classifier's / regressor's step, and how its predictions are scored.
#include "soma/train/supervised.h"

#include "soma/nn/activation.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"
#include "soma/train/metrics.h"

namespace soma::train {

namespace {
// Keras ends a classifier in softmax and takes probabilities; soma's cross_entropy takes logits
// and applies softmax itself. The literal translation trains, silently badly (softmax twice).
// The same holds for sigmoid before bce_with_logits, and nll wants log-probabilities.
void refuse_double_squashing(const nn::Module& model, const loss::Loss& loss) {
  const std::string last = nn::output_activation(model), name = loss.name();
  const auto* categorical = dynamic_cast<const loss::CategoricalCrossentropy*>(&loss);
  const bool takes_logits =
      name == "cross_entropy" || name == "bce_with_logits" || (categorical && categorical->from_logits());
  const std::string fix =
      name == "bce_with_logits" ? "the loss 'bce' on probabilities"
      : name == "cross_entropy" ? "the loss 'categorical_crossentropy' (from_logits = false) on probabilities"
                                : "from_logits = false";
  SOMA_CHECK(!(takes_logits && (last == "softmax" || last == "sigmoid")), "Trainer: the model's output ends in ",
             last, " and the loss '", name, "' takes logits and applies ", last, " itself, so ", last,
             " would be applied twice; remove the final ", last, " (apply it when predicting), or use ", fix);
  SOMA_CHECK(!(name == "nll" && last != "log_softmax" && last != "linear"), "Trainer: the loss 'nll' takes ",
             "log-probabilities, but the model's output ends in ", last, "; end it in LogSoftmax, or use the loss ",
             "'categorical_crossentropy' on probabilities");
}
}  // namespace

Supervised::Supervised(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss)
    : model_(model), optimizer_(optimizer), loss_(loss.clone()) {
  SOMA_CHECK(loss_->reduction() != Reduction::none, "Trainer: the loss '", loss_->name(),
             "' has reduction none; a training step needs one number (use mean or sum)");
  refuse_double_squashing(model, *loss_);
}

// The step's values: the loss per example plus the weight penalties (Keras adds them to the
// evaluated loss too), and the accuracy counts.
StepResult Supervised::measure(const Tensor& output, const Tensor& target, const Tensor& data_loss,
                               const Tensor& total) const {
  StepResult r;
  r.examples = output.dim() > 0 ? output.size(0) : 1;
  // A summed loss counts the whole batch: per example it is divided by N, the penalty is not.
  r.values["loss"] = loss_->reduction() == Reduction::sum
                         ? data_loss.item() / double(r.examples) + (total.item() - data_loss.item())
                         : total.item();
  std::tie(r.correct, r.counted) = score_predictions(*loss_, output, target);
  r.output = output;
  return r;
}

StepResult Supervised::train_step(const data::Batch& batch) {
  const Tensor output = model_(batch.x);
  const Tensor data_loss = (*loss_)(output, batch.y);
  const Tensor total = data_loss + model_.regularization_loss();
  total.backward();
  apply_step(optimizer_);
  return measure(output, batch.y, data_loss, total);
}

StepResult Supervised::evaluate_step(const data::Batch& batch) {
  const Tensor output = model_(batch.x);
  const Tensor data_loss = (*loss_)(output, batch.y);
  return measure(output, batch.y, data_loss, data_loss + model_.regularization_loss());
}

std::pair<std::int64_t, std::int64_t> score_predictions(const loss::Loss& loss, const Tensor& output,
                                                        const Tensor& target) {
  if (target.dtype() == DType::i64) {
    if (output.dim() == 2 && target.dim() == 1) return {count_correct(output, target), output.size(0)};
    if (output.dim() == 3 && target.dim() == 2) return count_token_correct(output, target);
    return {0, 0};
  }
  const std::string name = loss.name();
  if (output.shape() != target.shape() || output.dtype() != target.dtype()) return {0, 0};
  // Soft labels [N, C]: right when the top score is the most probable class.
  if ((name == "cross_entropy" || name == "categorical_crossentropy" || name == "nll") && output.dim() == 2)
    return {count_correct(output, argmax(target, 1)), output.size(0)};
  if (name == "bce") return {count_binary_correct(output, target, 0.5), output.numel()};
  if (name == "bce_with_logits" || name == "hinge") return {count_binary_correct(output, target, 0), output.numel()};
  return {0, 0};
}

}  // namespace soma::train
