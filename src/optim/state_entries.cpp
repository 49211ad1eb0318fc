// Scalar state-dict entries: creation and checked reads (see state_entries.h).
#include "optim/state_entries.h"

#include <algorithm>

namespace soma::optim::detail {

Tensor int_entry(std::int64_t value) {
  Tensor t(Shape{}, DType::i64);
  *t.data<std::int64_t>() = value;
  return t;
}

Tensor real_entry(double value) {
  Tensor t(Shape{}, DType::f64);
  *t.data<double>() = value;
  return t;
}

namespace {
const Tensor& scalar_entry(const StateDict& state, const std::string& key, DType dtype, const std::string& owner) {
  const auto it = state.find(key);
  SOMA_CHECK(it != state.end(), owner, " load_state_dict: missing entry '", key, "'");
  const Tensor& t = it->second;
  SOMA_CHECK(t.defined() && t.dim() == 0 && t.dtype() == dtype, owner, " load_state_dict: entry '", key,
             "' must be a 0-dim ", name_of(dtype), " tensor, got ",
             t.defined() ? t.shape().str() + " " + name_of(t.dtype()) : std::string("an undefined tensor"));
  return t;
}
}  // namespace

std::int64_t read_int(const StateDict& state, const std::string& key, const std::string& owner) {
  return *scalar_entry(state, key, DType::i64, owner).data<std::int64_t>();
}

double read_real(const StateDict& state, const std::string& key, const std::string& owner) {
  return *scalar_entry(state, key, DType::f64, owner).data<double>();
}

void check_known(const StateDict& state, std::initializer_list<const char*> known, const std::string& owner) {
  for (const auto& [key, value] : state) {
    // key captured by name: clang 14 (the fuzzing build) cannot capture a structured binding.
    const bool ok = std::any_of(known.begin(), known.end(), [&key = key](const char* k) { return key == k; });
    SOMA_CHECK(ok, owner, " load_state_dict: unexpected entry '", key, "'");
  }
}

}  // namespace soma::optim::detail
