// The config's builders: each turns one section of a JSON config into soma objects — the data
// sets, the model (a Sequential list of layers, checked layer by layer on a dummy batch so a
// shape mismatch is reported where it happens), the loss, the optimizer, the learning-rate
// schedule, the callbacks and the augmentation. Each records the values it used, defaults
// included, in `resolved`, and throws ConfigError naming the JSON path of a mistake.
// The full config reference is docs/cli.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "soma/config/section.h"
#include "soma/data/dataloader.h"
#include "soma/data/dataset.h"
#include "soma/nn/loss.h"
#include "soma/nn/module.h"
#include "soma/optim/optimizer.h"
#include "soma/optim/schedule.h"
#include "soma/train/callback.h"

namespace soma::config {

/// What the "data" section yields.
struct DataSets {
  std::shared_ptr<data::TensorDataset> train;
  std::shared_ptr<data::TensorDataset> test;  ///< null when the config names no test set
  std::vector<std::int64_t> input_shape;      ///< one example's shape ([1, 28, 28])
  std::int64_t num_classes = 0;               ///< 0 when the targets are not int64 class labels
  std::vector<std::string> class_names;       ///< empty when unknown
};

/// Loads the data of a "data" section: a built-in set name ("fashion-mnist", "mnist") or an
/// object (docs/cli.md). Relative file paths are taken from `base_dir` (the config's folder)
/// and resolved to absolute ones, so a run folder's config works from anywhere.
DataSets build_data(const Json& spec, const std::string& path, const std::string& base_dir, Json& resolved);

/// One layer of a built model, as `soma summary` prints it.
struct LayerInfo {
  std::string path;                         ///< "model.layers[3]"
  std::string type;                         ///< "Conv2d"
  std::vector<std::int64_t> output_shape;   ///< per example
  std::int64_t parameters = 0;
  std::int64_t flops = 0;                   ///< multiply-adds per example (Module::flops)
};

struct BuiltModel {
  std::shared_ptr<nn::Module> model;       ///< an nn::Sequential, or an nn::Graph for "nodes"
  std::vector<std::int64_t> input_shape;   ///< per example
  std::vector<std::int64_t> output_shape;  ///< per example
  std::vector<LayerInfo> layers;
};

/// Builds the "model" section for examples of `input_shape` (empty: the section's own
/// "input_shape" or "inputs" is required): a Sequential ({"input_shape": [...], "layers":
/// [...]} or just the list) or a functional nn::Graph ({"inputs": {...}, "nodes": [...],
/// "outputs": [...]}). Every layer is constructed from `gen`, in the config's order: the
/// weights, and the seed of each Dropout's own mask generator (one draw each), so the same
/// generator state gives the same model. `dtype` is the parameters' dtype (float64 for gradcheck).
BuiltModel build_model(const Json& spec, const std::string& path, std::vector<std::int64_t> input_shape,
                       DType dtype, Generator& gen, Json& resolved);

/// "cross_entropy" or {"type": "huber", "delta": 1, "reduction": "mean"}; "sequence_cross_entropy"
/// for logits [N, T, V] against next-token ids [N, T].
std::unique_ptr<loss::Loss> build_loss(const Json& spec, const std::string& path, Json& resolved);

/// {"type": "adam", "lr": 0.001, ...} over `params`.
std::unique_ptr<optim::Optimizer> build_optimizer(const Json& spec, const std::string& path,
                                                  std::vector<Tensor> params, Json& resolved);

/// A schedule: an epoch-stepped LRScheduler (kept in `scheduler`, which must outlive the fit),
/// ReduceLROnPlateau or the per-batch OneCycleLR, as callbacks appended to `callbacks`. Null
/// spec: none.
void build_schedule(const Json& spec, const std::string& path, optim::Optimizer& optimizer,
                    std::unique_ptr<optim::LRScheduler>& scheduler, std::vector<train::CallbackHandle>& callbacks,
                    Json& resolved);

/// The "callbacks" list: early_stopping and checkpoint (whose files go into `run_dir`).
std::vector<train::CallbackHandle> build_callbacks(const Json& spec, const std::string& path,
                                                   const std::string& run_dir, Json& resolved);

/// The "augment" list of random transforms of training batches (data/augment.h and the flip of
/// data/transforms.h): random_shift, random_crop, random_horizontal_flip, random_rotation,
/// gaussian_noise, random_erasing.
std::vector<data::Transform> build_augment(const Json& spec, const std::string& path, Json& resolved);

/// "[1, 28, 28]".
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace soma::config
