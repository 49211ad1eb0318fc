// Trainer: a Supervised learner run by the Loop, plus evaluate and predict.
#include "soma/train/trainer.h"

#include <cmath>

#include "soma/autograd/grad_mode.h"
#include "soma/ops/view.h"

namespace soma::train {

namespace {

// Puts the module in eval mode and back (even on a throw).
class EvalGuard {
 public:
  explicit EvalGuard(nn::Module& model) : model_(model), training_(model.is_training()) { model_.eval(); }
  ~EvalGuard() { model_.train(training_); }
  EvalGuard(const EvalGuard&) = delete;
  EvalGuard& operator=(const EvalGuard&) = delete;

 private:
  nn::Module& model_;
  bool training_;
};

}  // namespace

Trainer::Trainer(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss)
    : learner_(model, optimizer, loss), loop_(learner_) {}

StepResult Trainer::evaluate_step(const data::Batch& batch) {
  EvalGuard eval(model());
  NoGradGuard no_grad;
  return learner_.evaluate_step(batch);
}

History Trainer::fit(std::shared_ptr<const data::Dataset> train, const FitOptions& options) {
  return loop_.fit(std::move(train), options);
}

History Trainer::resume(const std::string& path, std::shared_ptr<const data::Dataset> train, FitOptions options) {
  options.resume_from = path;
  return fit(std::move(train), options);
}

Metrics Trainer::evaluate(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size) {
  const Logs logs = loop_.evaluate(std::move(dataset), batch_size);
  Metrics m;
  m.loss = logs.at("loss");
  if (const auto it = logs.find("accuracy"); it != logs.end()) m.accuracy = it->second;
  return m;
}

Tensor Trainer::predict(std::shared_ptr<const data::Dataset> dataset, std::int64_t batch_size) {
  SOMA_CHECK(dataset, "Trainer::predict: the dataset is null");
  SOMA_CHECK(batch_size >= 1, "Trainer::predict: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(dataset->size() > 0, "Trainer::predict: the dataset is empty");
  EvalGuard eval(model());
  NoGradGuard no_grad;
  data::DataLoaderOptions options;
  options.batch_size = batch_size;
  data::DataLoader loader(dataset, options);
  loader.start_epoch();
  std::vector<Tensor> outputs;
  while (auto batch = loader.next()) outputs.push_back(model()(batch->x));
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

Tensor Trainer::predict(const Tensor& x, std::int64_t batch_size) {
  SOMA_CHECK(x.defined() && x.dim() >= 1, "Trainer::predict: expected x [N, ...]");
  SOMA_CHECK(batch_size >= 1, "Trainer::predict: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(x.size(0) > 0, "Trainer::predict: x holds no examples");
  EvalGuard eval(model());
  NoGradGuard no_grad;
  std::vector<Tensor> outputs;
  for (std::int64_t begin = 0, n = x.size(0); begin < n; begin += batch_size)
    outputs.push_back(model()(slice(x, 0, begin, std::min(n, begin + batch_size))));
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

}  // namespace soma::train
