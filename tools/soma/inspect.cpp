// soma evaluate, predict and summary: load a trained model (a run folder or a model
// .safetensors that carries its config) and measure it, run it on new inputs, or describe a
// config's model layer by layer.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <soma/autograd/grad_mode.h>
#include <soma/config/experiment.h>
#include <soma/config/learner.h>
#include <soma/core/threads.h>
#include <soma/data/csv.h>
#include <soma/data/idx.h>
#include <soma/data/npy.h>
#include <soma/io/image.h>
#include <soma/io/safetensors.h>
#include <soma/io/weights.h>
#include <soma/nn/graph.h>
#include <soma/nn/summary.h>
#include <soma/ops/activation.h>
#include <soma/ops/arithmetic.h>
#include <soma/ops/view.h>
#include <soma/train/metrics.h>
#include <soma/train/trainer.h>

#include "commands.h"
#include "load_target.h"

namespace soma::cli {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool any_nan(const Tensor& scores) {
  const Tensor x = scores.to(DType::f64);
  const double* v = x.data<double>();
  return std::any_of(v, v + x.numel(), [](double d) { return std::isnan(d); });
}

int threads_of(const Loaded& loaded) {
  const int threads = config::value_or(loaded.config, loaded.config_origin, "threads", 0, "an integer");
  SOMA_CHECK(threads >= 0 && threads <= kMaxThreads, loaded.config_origin, ": threads: expected 0 (all cores) to ",
             kMaxThreads, ", got ", threads);
  return threads;
}

bool deterministic_of(const Loaded& loaded) {
  return config::value_or(loaded.config, loaded.config_origin, "deterministic", config::Settings{}.deterministic,
                          "true or false");
}

// Inputs for predict: IDX, NPY, CSV (every column a feature; a header line is skipped) or
// images, as [N, ...input_shape] float32 scaled as the model's training data was.
// Sizes are checked from the file's header before it is decoded: an image against the model's
// input, an IDX file's rows against `max_rows` (only those are read). Returns the inputs and
// how many examples the file holds.
std::pair<Tensor, std::int64_t> read_inputs(const std::string& input, const config::Json& cfg,
                                            const std::vector<std::int64_t>& shape, std::int64_t max_rows) {
  SOMA_CHECK(fs::exists(input), "'", input, "' does not exist");
  const config::Json& data = cfg.at("data");
  const bool builtin = data.contains("dataset");
  const double scale = config::value_or(data, "data", "scale", 1.0, "a number");
  Tensor x;
  std::int64_t total = -1;
  if (io::is_image_file(input)) {
    SOMA_CHECK(shape.size() == 3, "'", input, "': images need a model of [channels, height, width] inputs; this one takes ",
               config::shape_text(shape));
    SOMA_CHECK(shape[0] == 1 || shape[0] == 3, "'", input, "': the model takes ", shape[0],
               " channels; images give 1 (grey) or 3 (RGB)");
    const io::ImageSize size = io::image_size(input);
    SOMA_CHECK(size.height == shape[1] && size.width == shape[2], "'", input, "' is ", size.width, "x", size.height,
               " pixels but the model takes ", shape[2], "x", shape[1], " images");
    x = io::read_image(input, int(shape[0]));  // pixels / 255, as the built-in sets are scaled
    x = reshape(x, {1, shape[0], shape[1], shape[2]});
  } else {
    if (ends_with(input, ".npy")) {
      x = data::read_npy(input);
    } else if (ends_with(input, ".csv")) {
      x = data::read_csv(input).x;
    } else {
      // Rows of the IDX file that are whole examples: only the first max_rows are read.
      const Shape header = data::idx_shape(input);
      std::int64_t row = 1, per = 1;
      for (std::int64_t i = 1; i < header.dim(); ++i) row *= header[i];
      for (auto d : shape) per *= d;
      const bool rows_are_examples = header.dim() > 0 && row == per;
      x = data::read_idx(input, DType::f32, rows_are_examples ? max_rows : -1);
      if (rows_are_examples) total = header[0];
      if (builtin) x = x * (1.0 / 255);  // the built-in sets scale their IDX bytes to [0, 1]
    }
    if (x.dtype() != DType::f32 && x.dtype() != DType::i64) x = x.to(DType::f32);  // int64: token ids
    if (scale != 1.0) x = x * scale;
    std::int64_t per = 1;
    for (auto d : shape) per *= d;
    // One example without its batch axis is fine too.
    const std::int64_t n = x.numel() / per;
    SOMA_CHECK(x.numel() > 0 && n * per == x.numel(), "'", input, "' holds ", x.numel(), " values (shape ",
               x.shape(), "), not a whole number of examples of shape ", config::shape_text(shape));
    std::vector<std::int64_t> full{n};
    full.insert(full.end(), shape.begin(), shape.end());
    x = reshape(x, Shape(std::span<const std::int64_t>(full)));
  }
  return {x, total < 0 ? x.size(0) : total};
}

}  // namespace

int evaluate(const EvaluateArgs& args) {
  Loaded loaded = load_supervised(args.target);
  if (threads_of(loaded) > 0) set_num_threads(threads_of(loaded));
  set_deterministic(args.deterministic.value_or(deterministic_of(loaded)));
  if (args.limit > 0) loaded.config["data"]["test_limit"] = args.limit;
  config::Experiment e = config::build_experiment(loaded.config, {});
  io::load_state_dict(*e.model.model, loaded.weights, load_source(loaded));
  const bool on_test = e.data.test != nullptr;
  auto dataset = on_test ? e.data.test : e.data.train;
  train::Trainer trainer(*e.model.model, *e.optimizer, *e.loss);
  const train::Metrics m = trainer.evaluate(dataset, args.batch_size);
  std::printf("%s on %lld %s examples\n", loaded.origin.c_str(), static_cast<long long>(dataset->size()),
              on_test ? "test" : "training");
  // Per-class accuracy: where the model goes wrong. A model whose outputs hold NaN (diverged
  // weights) has no predicted class; its NaN loss below says so.
  const Tensor scores = !std::isnan(m.accuracy) && e.data.num_classes > 1 && dataset->y().dim() == 1
                            ? trainer.predict(dataset, args.batch_size)
                            : Tensor();
  if (scores.defined() && !any_nan(scores)) {
    const Tensor cm = train::confusion_matrix(scores, dataset->y(), e.data.num_classes);
    std::printf("%-14s %8s %9s\n", "class", "examples", "accuracy");
    for (std::int64_t c = 0; c < e.data.num_classes; ++c) {
      double row = 0;
      for (std::int64_t j = 0; j < e.data.num_classes; ++j) row += cm.at({c, j});
      const std::string name = c < std::int64_t(e.data.class_names.size()) ? e.data.class_names[c] : std::to_string(c);
      std::printf("%-14s %8.0f %8.2f%%\n", name.c_str(), row, row > 0 ? 100 * cm.at({c, c}) / row : 0.0);
    }
  } else if (scores.defined()) {
    std::printf("no per-class accuracy: the model's outputs hold NaN (diverged weights?)\n");
  }
  if (std::isnan(m.loss)) std::printf("loss nan\n");  // not "-nan"
  else std::printf("loss %.6f\n", m.loss);
  if (!std::isnan(m.accuracy)) std::printf("accuracy %.4f\n", m.accuracy);
  return 0;
}

int predict(const PredictArgs& args) {
  const Loaded loaded = load_supervised(args.target);
  if (threads_of(loaded) > 0) set_num_threads(threads_of(loaded));
  set_deterministic(deterministic_of(loaded));
  config::BuiltModel built = config::build_model_only(loaded.config);
  io::load_state_dict(*built.model, loaded.weights, load_source(loaded));
  const auto [all, total] = read_inputs(args.input, loaded.config, built.input_shape, args.max_rows);
  // Only the rows that are printed are run.
  const std::int64_t n = std::min(all.size(0), args.max_rows);
  const Tensor x = n == all.size(0) ? all : slice(all, 0, 0, n);
  built.model->eval();
  NoGradGuard no_grad;
  Tensor out = (*built.model)(x);
  std::vector<std::string> names;
  if (loaded.config.at("data").contains("classes"))
    names = config::value_or(loaded.config.at("data"), loaded.config_origin + ": data", "classes",
                             std::vector<std::string>(), "a list of class names");
  if (out.dim() == 2 && out.size(1) > 1) {
    // Class scores: probabilities as they are, logits through a softmax.
    bool probabilities = true;
    for (std::int64_t i = 0; i < n && probabilities; ++i) {
      double sum = 0;
      for (std::int64_t j = 0; j < out.size(1); ++j) {
        const double p = out.at({i, j});
        probabilities = probabilities && p >= 0;
        sum += p;
      }
      probabilities = probabilities && std::fabs(sum - 1) < 1e-3;
    }
    const Tensor p = probabilities ? out : softmax(out, 1);
    const std::int64_t classes = p.size(1), top = std::min(args.top, classes);
    for (std::int64_t i = 0; i < n; ++i) {
      std::vector<std::int64_t> order(classes);
      for (std::int64_t j = 0; j < classes; ++j) order[j] = j;
      std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p.at({i, a}) > p.at({i, b}); });
      std::printf("%lld:", static_cast<long long>(i));
      for (std::int64_t k = 0; k < top; ++k) {
        const auto c = order[k];
        const std::string name = c < std::int64_t(names.size()) ? names[c] : "class " + std::to_string(c);
        std::printf("%s %s %.4f", k ? "," : "", name.c_str(), p.at({i, c}));
      }
      std::printf("\n");
    }
  } else {
    out = reshape(out, {n, out.numel() / n});
    for (std::int64_t i = 0; i < n; ++i) {
      std::printf("%lld:", static_cast<long long>(i));
      for (std::int64_t j = 0; j < out.size(1); ++j) std::printf(" %.6g", out.at({i, j}));
      std::printf("\n");
    }
  }
  if (total > n) std::printf("... %lld more (--max-rows)\n", static_cast<long long>(total - n));
  return 0;
}

int summary(const std::string& config_path) {
  const config::Json cfg = config_path.empty() ? config::default_config() : config::read_json_file(config_path);
  std::string base = config_path.empty() ? "." : fs::path(config_path).parent_path().string();
  const std::string learner = config::learner_type(cfg);
  if (learner != "supervised" && learner != "autoencoder") {
    // A GAN's two models (generator first), a VAE, an RBM or a DQN: one table per layered model.
    config::LearnerExperiment e = config::build_learner_experiment(cfg, {.base_dir = base.empty() ? "." : base});
    const char* names[] = {"generator", "discriminator"};
    // A DQN's models are the Q-network and its target copy: one table.
    const std::size_t tables = learner == "dqn" ? 1 : e.learner.models.size();
    for (std::size_t i = 0; i < tables; ++i) {
      const config::BuiltModel& m = e.learner.models[i];
      if (learner == "gan") std::printf("%s%s:\n", i ? "\n" : "", names[i]);
      if (m.layers.empty() && learner != "som")  // a SOM's table shows its codebook (buffers) and FLOPs
        std::printf("%s: %lld parameters\n", m.model->type_name().c_str(), static_cast<long long>(m.model->parameter_count()));
      else
        std::printf("%s", nn::summary(*m.model, Shape(std::span<const std::int64_t>(m.input_shape))).c_str());
    }
    return 0;
  }
  config::Experiment e = config::build_experiment(cfg, {.base_dir = base.empty() ? "." : base});
  if (auto graph = std::dynamic_pointer_cast<nn::Graph>(e.model.model))
    std::printf("%s", nn::summary(*graph).c_str());
  else
    std::printf("%s", nn::summary(*e.model.model, Shape(std::span<const std::int64_t>(e.model.input_shape))).c_str());
  return 0;
}

}  // namespace soma::cli
