// The parts every whole config shares, whatever its learner: the settings and the data first,
// the callbacks and the augmentation last. build_experiment (a supervised model) and
// build_learner_experiment (a GAN, VAE or RBM) put their own sections between them.
#pragma once

#include <vector>

#include "soma/config/experiment.h"

namespace soma::config::detail {

/// Reads the top-level settings and builds "data" (validation_split turns `validate` off).
void read_settings_and_data(Section& top, const BuildOptions& options, Settings& settings, DataSets& data);

/// Builds "callbacks" (appended to `callbacks`) and "augment".
void read_callbacks_and_augment(Section& top, const BuildOptions& options,
                                std::vector<train::CallbackHandle>& callbacks, std::vector<data::Transform>& augment);

}  // namespace soma::config::detail
