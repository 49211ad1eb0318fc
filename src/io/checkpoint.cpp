// Checkpoints (see soma/io/checkpoint.h): a prefix convention over safetensors names plus
// typed access to string metadata. Numbers are stored as text because safetensors metadata
// holds strings only; to_chars/from_chars make the text exact and locale-independent.
#include "soma/io/checkpoint.h"

#include <charconv>
#include <set>
#include <system_error>

#include "soma/io/safetensors.h"

namespace soma::io {
namespace {

// The layout version, in the metadata of every checkpoint. Bump it when the layout changes
// in a way an older reader would misread.
constexpr const char* kVersionKey = "soma.checkpoint";
constexpr int kVersion = 1;

template <class Map>
void add_all(Checkpoint& checkpoint, const std::string& prefix, const Map& named) {
  SOMA_CHECK(!prefix.empty() && prefix.back() != '.', "checkpoint: prefix '", prefix,
             "' must be non-empty and must not end in '.'");
  std::set<std::string> names;
  for (const auto& [name, t] : checkpoint.tensors) names.insert(name);
  for (const auto& [name, t] : named) {
    SOMA_CHECK(t.defined(), "checkpoint: tensor '", name, "' added under '", prefix, "' is undefined");
    SOMA_CHECK(names.insert(prefix + "." + name).second, "checkpoint: a tensor named '", prefix, ".", name,
               "' is already present");
  }
  for (const auto& [name, t] : named) checkpoint.tensors.emplace_back(prefix + "." + name, t);
}

bool under(const std::string& name, const std::string& prefix) {
  return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.';
}

}  // namespace

void Checkpoint::add(const std::string& prefix, const std::vector<std::pair<std::string, Tensor>>& named) {
  add_all(*this, prefix, named);
}

void Checkpoint::add(const std::string& prefix, const std::map<std::string, Tensor>& named) {
  add_all(*this, prefix, named);
}

void Checkpoint::add(const std::string& prefix, std::initializer_list<std::pair<std::string, Tensor>> named) {
  add_all(*this, prefix, named);
}

std::vector<std::pair<std::string, Tensor>> Checkpoint::take(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, t] : tensors)
    if (under(name, prefix)) out.emplace_back(name.substr(prefix.size() + 1), t);
  return out;
}

std::map<std::string, Tensor> Checkpoint::take_map(const std::string& prefix) const {
  std::map<std::string, Tensor> out;
  for (auto& [name, t] : take(prefix)) out.emplace(std::move(name), std::move(t));
  return out;
}

bool Checkpoint::has(const std::string& prefix) const {
  for (const auto& [name, t] : tensors)
    if (under(name, prefix)) return true;
  return false;
}

void Checkpoint::set_integer(const std::string& key, std::int64_t value) { metadata[key] = std::to_string(value); }

void Checkpoint::set_real(const std::string& key, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  metadata[key] = std::string(buffer, result.ptr);
}

const std::string& Checkpoint::text(const std::string& key) const {
  const auto it = metadata.find(key);
  SOMA_CHECK(it != metadata.end(), "checkpoint: no metadata entry '", key, "'");
  return it->second;
}

std::int64_t Checkpoint::integer(const std::string& key) const {
  const std::string& s = text(key);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  SOMA_CHECK(error == std::errc() && end == s.data() + s.size() && !s.empty(), "checkpoint: metadata entry '", key,
             "' is \"", s, "\", expected an integer");
  return value;
}

double Checkpoint::real(const std::string& key) const {
  const std::string& s = text(key);
  double value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  SOMA_CHECK(error == std::errc() && end == s.data() + s.size() && !s.empty(), "checkpoint: metadata entry '", key,
             "' is \"", s, "\", expected a number");
  return value;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  SOMA_CHECK(!checkpoint.metadata.count(kVersionKey), "save_checkpoint '", path, "': the metadata key '", kVersionKey,
             "' is reserved for the layout version");
  auto metadata = checkpoint.metadata;
  metadata[kVersionKey] = std::to_string(kVersion);
  save_safetensors(path, checkpoint.tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  const auto it = file.metadata.find(kVersionKey);
  SOMA_CHECK(it != file.metadata.end(), "load_checkpoint '", path, "': not a soma checkpoint (its metadata has no '",
             kVersionKey, "'; a plain weights file loads with io::load)");
  SOMA_CHECK(it->second == std::to_string(kVersion), "load_checkpoint '", path, "': checkpoint layout version '",
             it->second, "', this soma reads version ", kVersion);
  file.metadata.erase(it);
  return Checkpoint{.tensors = std::move(file.tensors), .metadata = std::move(file.metadata)};
}

}  // namespace soma::io
