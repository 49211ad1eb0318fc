// Private to the Loop: the state of a fit in progress (Loop::Run) and the running sums of an
// epoch (EpochSums), shared by the loop (loop.cpp) and the checkpoint code (loop_state.cpp).
// Not installed; nothing outside src/train includes it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "soma/data/dataloader.h"
#include "soma/train/loop.h"

namespace soma::train {

/// The sums behind an epoch's means: per value a float64 sum weighted by examples over the
/// steps that gave it (a GAN's g_loss comes only every k-th step), and exact accuracy counts,
/// so a resumed epoch ends with the same values as an uninterrupted one.
struct EpochSums {
  std::map<std::string, double> sums;             // value * examples, summed over the steps
  std::map<std::string, std::int64_t> weights;    // examples of the steps that gave the value
  std::int64_t examples = 0;                      // examples seen
  std::int64_t correct = 0;            // correct predictions (elements for binary accuracy)
  std::int64_t counted = 0;            // predictions scored; 0 when the task has no accuracy

  void add(const StepResult& step);
  /// The means so far, "<prefix>accuracy" when scored.
  void logs(const std::string& prefix, Logs& logs) const;
};

/// A step's own values with its accuracy, as callbacks and sinks see them.
Logs step_values(const StepResult& step);

struct Loop::Run {
  const FitOptions& options;
  std::shared_ptr<const data::Dataset> train = {};
  std::shared_ptr<const data::Dataset> validation = {};
  std::unique_ptr<data::DataLoader> loader = {};
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  EventStream events = {};
  std::int64_t epoch = 0;  // the epoch in progress (or next to start)
  std::int64_t batch = 0;  // batches done in it; 0: it has not started
  double lr = 0;           // the learning rate of the epoch in progress (NaN: no optimizer)
  EpochSums sums = {};
  bool in_epoch_end = false;
  std::vector<std::string> pending_checkpoints = {};  // asked for during on_epoch_end
};

}  // namespace soma::train
