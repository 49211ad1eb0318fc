// Module: registration, recursive traversal and the train/eval flag.
#include "soma/nn/module.h"

#include <algorithm>

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"

namespace soma::nn {

Tensor Module::register_parameter(std::string name, Tensor t, std::optional<Regularizer> regularizer) {
  if (regularizer) {
    try {
      regularizer->check();
    } catch (const Error& e) {
      throw Error(type_name() + " " + name + ": " + e.what());
    }
  }
  t.set_requires_grad(true);
  parameters_.emplace_back(std::move(name), t);
  if (regularizer) regularized_.emplace_back(t, *regularizer);
  return t;
}

Tensor Module::register_buffer(std::string name, Tensor t) {
  buffers_.emplace_back(std::move(name), t);
  return t;
}

std::shared_ptr<Generator> Module::register_generator(std::string name, std::shared_ptr<Generator> gen) {
  SOMA_CHECK(gen, type_name(), ": generator '", name, "' is null");
  generators_.emplace_back(std::move(name), gen);
  return gen;
}

void Module::register_module(std::string name, std::shared_ptr<Module> child) {
  SOMA_CHECK(child, type_name(), ": child module '", name, "' is null");
  child->train(training_);
  children_.emplace_back(std::move(name), std::move(child));
}

void Module::collect(const std::string& prefix, bool buffers, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, t] : buffers ? buffers_ : parameters_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

void Module::collect_penalties(std::vector<Tensor>& out) const {
  for (const auto& [t, regularizer] : regularized_) out.push_back(regularizer(t));
  for (const auto& [name, child] : children_) child->collect_penalties(out);
}

Tensor Module::regularization_loss() const {
  std::vector<Tensor> penalties;
  collect_penalties(penalties);
  if (penalties.empty()) {
    const auto params = parameters();
    return scalar(0, params.empty() ? DType::f32 : params.front().dtype());
  }
  // Summed in registration order, so the value does not depend on anything but the model.
  Tensor total = penalties.front();
  for (std::size_t i = 1; i < penalties.size(); ++i) total = total + penalties[i];
  return total;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> all, out;
  collect("", false, all);
  // A layer used twice (weight sharing) lists its tensors once, under the first name, as in
  // PyTorch: an optimizer must update each tensor once per step.
  std::vector<const TensorImpl*> seen;
  for (auto& entry : all) {
    if (std::find(seen.begin(), seen.end(), entry.second.impl()) != seen.end()) continue;
    seen.push_back(entry.second.impl());
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Generator>>> Module::named_generators() const {
  // Iterative walk in registration order; a generator shared by two layers is listed once.
  std::vector<std::pair<std::string, std::shared_ptr<Generator>>> out;
  std::vector<std::pair<std::string, const Module*>> todo{{"", this}};
  while (!todo.empty()) {
    auto [prefix, m] = todo.front();
    todo.erase(todo.begin());
    for (const auto& [name, gen] : m->generators_)
      // gen captured by name: clang 14 (the fuzzing build) cannot capture a structured binding.
      if (std::none_of(out.begin(), out.end(), [&gen = gen](const auto& e) { return e.second == gen; }))
        out.emplace_back(prefix + name, gen);
    std::size_t at = 0;
    for (const auto& [name, child] : m->children_) todo.insert(todo.begin() + at++, {prefix + name + ".", child.get()});
  }
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

std::int64_t Module::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

Shape Module::output_shape(const Shape&) const {
  throw Error(type_name() + " does not support shape inference (it does not override nn::Module::output_shape)");
}

std::string Module::shape_arithmetic(const Shape&) const { return {}; }

std::int64_t Module::flops(const Shape&) const { return 0; }

void Module::set_name(std::string name) {
  SOMA_CHECK(!name.empty() && name.find_first_of(". \t\n'\"") == std::string::npos, type_name(),
             ": a layer name must be non-empty and hold no '.', spaces or quotes, got '", name, "'");
  name_ = std::move(name);
}

std::string display_name(const std::string& path, const Module& layer) {
  const std::string& name = layer.name();
  const std::string type = "(" + layer.type_name() + ")";
  if (path.empty()) return name.empty() ? layer.type_name() : "'" + name + "' " + type;
  if (name.empty() || name == path) return path + " " + type;
  return path + " '" + name + "' " + type;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

}  // namespace soma::nn
