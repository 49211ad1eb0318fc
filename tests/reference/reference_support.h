// Reference-test support: reads the JSON cases written by tests/reference/make_reference.py
// (PyTorch, float64) and checks soma against them. A case holds an op name, its args, the
// inputs, the output, a projection r and the gradients of sum(out * r) for each input that
// requires one. The tests map op names to soma calls (OpTable) and call check_group.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/ops/loss.h"

namespace soma::test::reference {

using Json = nlohmann::json;

/// Runs one op in soma: inputs as in the case (float64 or int64), args as in the case.
using OpFunction = std::function<Tensor(const std::vector<Tensor>& in, const Json& args)>;
using OpTable = std::map<std::string, OpFunction>;

/// Default tolerance: |actual - expected| <= rtol * (|expected| + 0.01 * max|expected|).
/// The second term covers entries that are tiny next to the rest (rounding in sums).
inline constexpr double kRtol = 1e-10;

/// Parses `file` from SOMA_REFERENCE_DIR; throws soma::Error naming the path when it fails.
Json load(const std::string& file);
/// A tensor from {"shape": [...], "dtype": "float64" | "int64", "values": [...]}.
Tensor decode(const Json& t);
/// Compares every element (and the shape and dtype); the message names `what`.
::testing::AssertionResult matches(const Tensor& actual, const Json& expected, double rtol, const std::string& what);

/// Runs every case of a group file through `table` and records a gtest failure naming the
/// case for each mismatch, exception, or op missing from the table. It also fails when an
/// op of the table has no case in the file. A case's own "rtol" overrides `rtol`.
void check_group(const std::string& file, const OpTable& table, double rtol = kRtol);

/// args["reduction"] ("mean", "sum", "none"); mean when absent.
Reduction reduction_arg(const Json& args);
/// args[key] as a number, or `fallback` when absent.
double number_arg(const Json& args, const char* key, double fallback);

}  // namespace soma::test::reference
