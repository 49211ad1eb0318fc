// Scalar entries of optimizer and scheduler state dicts: counters as 0-dim int64 tensors,
// real values as 0-dim float64 tensors, read back with checks whose errors name the owner
// ("Adam", "StepLR") and the entry. Private to src/optim.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>

#include "soma/core/tensor.h"

namespace soma::optim::detail {

using StateDict = std::map<std::string, Tensor>;

/// A 0-dim int64 tensor holding `value`.
Tensor int_entry(std::int64_t value);
/// A 0-dim float64 tensor holding `value`.
Tensor real_entry(double value);

/// The value of the 0-dim int64 entry `key`. Throws soma::Error "<owner> load_state_dict: ..."
/// when it is missing or not a 0-dim int64 tensor.
std::int64_t read_int(const StateDict& state, const std::string& key, const std::string& owner);
/// The value of the 0-dim float64 entry `key`; throws like read_int.
double read_real(const StateDict& state, const std::string& key, const std::string& owner);

/// Throws soma::Error naming the first entry of `state` whose name is not in `known`.
void check_known(const StateDict& state, std::initializer_list<const char*> known, const std::string& owner);

}  // namespace soma::optim::detail
