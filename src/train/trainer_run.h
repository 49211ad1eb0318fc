// Private to the Trainer: the state of a fit in progress (Trainer::Run) and the running sums
// of an epoch (EpochSums), shared by the loop (trainer.cpp) and the checkpoint code
// (trainer_state.cpp). Not installed; nothing outside src/train includes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "soma/data/dataloader.h"
#include "soma/train/trainer.h"

namespace soma::train {

/// The sums behind an epoch's "loss" and "accuracy": exact counts and a float64 loss sum, so
/// a resumed epoch ends with the same values as an uninterrupted one.
struct EpochSums {
  double loss_sum = 0;        // sum over examples of the per-example loss
  std::int64_t examples = 0;  // examples seen
  std::int64_t correct = 0;   // correct predictions (elements for binary accuracy)
  std::int64_t counted = 0;   // predictions scored; 0 when the task has no accuracy

  /// Adds one batch: `value` is the loss's output for it (a mean or a sum, per the loss's
  /// reduction) and `output`, `target` the model's output and the batch's targets.
  void add_batch(const loss::Loss& loss, double value, const Tensor& output, const Tensor& target);
  double mean_loss() const { return examples > 0 ? loss_sum / double(examples) : 0.0; }
  /// Writes "<prefix>loss" and, when scored, "<prefix>accuracy" into `logs`.
  void logs(const std::string& prefix, Logs& logs) const;
};

struct Trainer::Run {
  const FitOptions& options;
  std::shared_ptr<const data::Dataset> train = {};
  std::shared_ptr<const data::Dataset> validation = {};
  std::unique_ptr<data::DataLoader> loader = {};
  std::vector<std::shared_ptr<Callback>> callbacks = {};  // the progress bar, then the user's
  std::size_t first_user_callback = 0;
  std::int64_t epoch = 0;  // the epoch in progress (or next to start)
  std::int64_t batch = 0;  // batches done in it; 0: it has not started
  double lr = 0;           // the learning rate of the epoch in progress
  EpochSums sums = {};
  bool in_epoch_end = false;
  std::vector<std::string> pending_checkpoints = {};  // asked for during on_epoch_end
};

/// Options of the loaders the Trainer makes: in order unless `shuffle`, prefetching.
data::DataLoaderOptions loader_options(std::int64_t batch_size, bool shuffle = false, std::uint64_t seed = 0);

/// Predictions scored by the accuracy that fits `loss` and the targets' form, and how many of
/// them were right: {correct, counted}; counted 0 when no accuracy applies (regression).
std::pair<std::int64_t, std::int64_t> score_predictions(const loss::Loss& loss, const Tensor& output,
                                                        const Tensor& target);

}  // namespace soma::train
