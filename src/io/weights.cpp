// Model weights by name (see soma/io/weights.h). Loading checks every name, shape and dtype
// before it copies a byte, so a failed load never leaves a model half old and half new.
#include "soma/io/weights.h"

#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "soma/io/safetensors.h"

namespace soma::io {
namespace {

// Lists show at most kShown entries: a model with thousands of tensors must not flood the message.
constexpr std::size_t kShown = 20;

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += ", ... (" + std::to_string(names.size() - kShown) + " more)";
  return out;
}

std::string count_text(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// `context` starts each message: "load_state_dict" or "load 'model.safetensors'"; `advice`
// ends one about names that differ.
LoadReport load_into(nn::Module& model, const std::vector<std::pair<std::string, Tensor>>& tensors, bool strict,
                     const std::string& context, const std::string& advice = LoadSource().advice) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, t] : tensors) {
    SOMA_CHECK(given.emplace(name, &t).second, context, ": the input holds two tensors named '", name, "'");
    SOMA_CHECK(t.defined(), context, ": tensor '", name, "' is undefined");
  }

  // Every problem is collected first, so one message shows all of them.
  LoadReport report;
  std::vector<std::string> mismatches;
  std::vector<std::pair<Tensor, const Tensor*>> copies;  // (destination, source)
  std::set<std::string> used;
  for (auto& [name, target] : state_dict(model)) {
    const auto it = given.find(name);
    if (it == given.end()) {
      report.missing.push_back(name);
      continue;
    }
    used.insert(name);
    const Tensor& source = *it->second;
    std::ostringstream mismatch;
    if (source.dtype() != target.dtype())
      mismatch << "tensor '" << name << "' is " << name_of(target.dtype()) << " in the model but "
               << name_of(source.dtype()) << " in the input (no conversion on load)";
    else if (!(source.shape() == target.shape()))
      mismatch << "tensor '" << name << "' has shape " << target.shape() << " in the model but " << source.shape()
               << " in the input";
    if (mismatch.tellp() > 0) mismatches.push_back(mismatch.str());
    else copies.emplace_back(target, &source);
  }
  for (const auto& [name, t] : tensors)
    if (!used.count(name)) report.unexpected.push_back(name);

  const bool names_differ = strict && (!report.missing.empty() || !report.unexpected.empty());
  if (names_differ || !mismatches.empty()) {
    std::vector<std::string> parts = mismatches;
    if (names_differ && !report.missing.empty())
      parts.push_back(count_text(report.missing.size(), "missing tensor") + " (in the model, not in the input): " +
                      name_list(report.missing));
    if (names_differ && !report.unexpected.empty())
      parts.push_back(count_text(report.unexpected.size(), "unexpected tensor") +
                      " (in the input, not in the model): " + name_list(report.unexpected));
    std::string message = context + ": ";
    for (std::size_t i = 0; i < parts.size() && i < kShown; ++i) message += (i ? "; " : "") + parts[i];
    if (parts.size() > kShown) message += "; ... (" + std::to_string(parts.size() - kShown) + " more)";
    if (names_differ && !advice.empty()) message += ". " + advice;
    throw Error(message + ". Nothing was loaded.");
  }

  // Raw copies into the existing storage: the tensors stay leaves with their requires_grad,
  // and no graph is recorded. memmove because a model may be loaded from its own state dict.
  for (auto& [target, source] : copies)
    std::memmove(target.raw_data(), source->raw_data(), std::size_t(target.numel()) * size_of(target.dtype()));
  return report;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> state_dict(const nn::Module& model) {
  std::vector<std::pair<std::string, Tensor>> out = model.named_parameters();
  for (auto& named : model.named_buffers()) out.push_back(std::move(named));
  std::set<std::string> names;
  for (const auto& [name, t] : out)
    SOMA_CHECK(names.insert(name).second, "state_dict: two tensors of the ", model.type_name(), " are named '", name, "'");
  return out;
}

LoadReport load_state_dict(nn::Module& model, const std::vector<std::pair<std::string, Tensor>>& tensors, bool strict) {
  return load_into(model, tensors, strict, "load_state_dict");
}

LoadReport load_state_dict(nn::Module& model, const std::vector<std::pair<std::string, Tensor>>& tensors,
                           const LoadSource& source, bool strict) {
  return load_into(model, tensors, strict, "load '" + source.origin + "'", source.advice);
}

void save(const nn::Module& model, const std::string& path) { save_safetensors(path, state_dict(model)); }

LoadReport load(nn::Module& model, const std::string& path, bool strict) {
  return load_into(model, load_safetensors(path).tensors, strict, "load '" + path + "'");
}

}  // namespace soma::io
