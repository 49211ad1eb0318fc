// soma gradcheck: the whole model's gradients against central finite differences, in
// float64, on a few training examples. Every parameter tensor gets `samples` of its entries
// checked (spread evenly over it). Dropout draws the same mask for every evaluation because
// the model's generators (named_generators) are reset to their first state before each forward pass.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <soma/autograd/grad_mode.h>
#include <soma/config/experiment.h>
#include <soma/core/generator.h>
#include <soma/ops/arithmetic.h>
#include <soma/ops/view.h>

#include "commands.h"

namespace soma::cli {

int gradcheck(const GradcheckArgs& args) {
  namespace fs = std::filesystem;
  const config::Json cfg = args.config.empty() ? config::default_config() : config::read_json_file(args.config);
  std::string base = args.config.empty() ? "." : fs::path(args.config).parent_path().string();
  config::Experiment e = config::build_experiment(cfg, {.base_dir = base.empty() ? "." : base, .dtype = DType::f64});
  nn::Module& model = *e.model.model;
  const std::int64_t n = std::min(args.batch, e.data.train->size());
  Tensor x = slice(e.data.train->x(), 0, 0, n);
  if (x.dtype() != DType::i64) x = x.to(DType::f64);  // int64 inputs are token ids (Embedding)
  Tensor y = slice(e.data.train->y(), 0, 0, n);
  if (y.dtype() == DType::f32) y = y.to(DType::f64);
  std::vector<std::string> start;  // each generator's state before the first forward pass
  for (const auto& [name, gen] : model.named_generators()) start.push_back(gen->state());
  auto loss_value = [&]() {
    std::size_t k = 0;
    for (const auto& [name, gen] : model.named_generators()) gen->set_state(start[k++]);
    return (*e.loss)(model(x), y) + model.regularization_loss();
  };

  model.train();
  for (auto& p : model.parameters()) p.zero_grad();
  loss_value().backward();

  const double h = 1e-6, atol = 1e-6, rtol = 1e-4;
  std::printf("gradcheck: %lld examples, float64, central differences with h = %g; |analytic - numeric| must be"
              " <= %g + %g |numeric|\n",
              static_cast<long long>(n), h, atol, rtol);
  std::printf("%-28s %-16s %8s %14s %14s  %s\n", "parameter", "shape", "checked", "max abs error", "max rel error",
              "result");
  int failures = 0;
  for (auto& [name, p] : model.named_parameters()) {
    const Tensor grad = p.grad();
    const std::int64_t count = p.numel(), checked = std::min(args.samples, count);
    double max_abs = 0, max_rel = 0;
    bool ok = true;
    double* values = p.data<double>();
    for (std::int64_t k = 0; k < checked; ++k) {
      const std::int64_t i = checked == 1 ? 0 : k * (count - 1) / (checked - 1);
      const double saved = values[i];
      double plus, minus;
      {
        NoGradGuard no_grad;
        values[i] = saved + h;
        plus = loss_value().item();
        values[i] = saved - h;
        minus = loss_value().item();
        values[i] = saved;
      }
      const double numeric = (plus - minus) / (2 * h);
      const double analytic = grad.defined() ? grad.data<double>()[i] : 0.0;
      const double err = std::fabs(analytic - numeric);
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / std::max(std::fabs(numeric), 1e-12));
      if (err > atol + rtol * std::fabs(numeric)) ok = false;
    }
    failures += !ok;
    std::printf("%-28s %-16s %8lld %14.3e %14.3e  %s\n", name.c_str(), p.shape().str().c_str(),
                static_cast<long long>(checked), max_abs, max_rel, ok ? "ok" : "FAILED");
  }
  if (failures > 0) {
    std::printf("gradcheck FAILED for %d parameter tensor%s\n", failures, failures == 1 ? "" : "s");
    return 1;
  }
  std::printf("gradcheck passed\n");
  return 0;
}

}  // namespace soma::cli
