// Trainer: a Supervised learner run by the Loop, plus evaluate and predict.
#include "soma/train/trainer.h"

#include <cmath>

#include "soma/autograd/grad_mode.h"
#include "soma/ops/view.h"

namespace soma::train {

Trainer::Trainer(nn::Module& model, optim::Optimizer& optimizer, const loss::Loss& loss)
    : learner_(model, optimizer, loss), loop_(learner_) {}

StepResult Trainer::evaluate_step(const data::Batch& batch) {
  nn::ModeGuard mode(model());
  model().eval();
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
  std::vector<Tensor> outputs;
  for_each_eval_batch(model(), std::move(dataset), batch_size, "Trainer::predict",
                      [&](const data::Batch& batch) { outputs.push_back(model()(batch.x)); });
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

Tensor Trainer::predict(const Tensor& x, std::int64_t batch_size) {
  SOMA_CHECK(x.defined() && x.dim() >= 1, "Trainer::predict: expected x [N, ...]");
  SOMA_CHECK(batch_size >= 1, "Trainer::predict: batch_size must be >= 1, got ", batch_size);
  SOMA_CHECK(x.size(0) > 0, "Trainer::predict: x holds no examples");
  nn::ModeGuard mode(model());
  model().eval();
  NoGradGuard no_grad;
  std::vector<Tensor> outputs;
  for (std::int64_t begin = 0, n = x.size(0); begin < n; begin += batch_size)
    outputs.push_back(model()(slice(x, 0, begin, std::min(n, begin + batch_size))));
  return outputs.size() == 1 ? outputs[0] : cat(outputs, 0);
}

}  // namespace soma::train
