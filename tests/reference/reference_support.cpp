// Reference-test support: JSON decoding, tolerant comparison and the loop that runs every
// case of a group file (forward, then backward of sum(out * r)) against soma.
#include "reference/reference_support.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "soma/core/factory.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/reduction.h"

namespace soma::test::reference {

Json load(const std::string& file) {
  const std::string path = std::string(SOMA_REFERENCE_DIR) + "/" + file;
  std::ifstream in(path);
  SOMA_CHECK(in, "reference: cannot open ", path, " (regenerate with tests/reference/make_reference.py)");
  try {
    return Json::parse(in);
  } catch (const Json::exception& e) {
    detail::throw_error("reference: cannot parse ", path, ": ", e.what());
  }
}

Tensor decode(const Json& t) {
  const auto sizes = t.at("shape").get<std::vector<std::int64_t>>();
  const Shape shape{std::span<const std::int64_t>(sizes)};
  const std::string dtype = t.at("dtype").get<std::string>();
  if (dtype == "int64") return from_data(t.at("values").get<std::vector<std::int64_t>>(), shape);
  SOMA_CHECK(dtype == "float64", "reference: unexpected dtype ", dtype);
  return from_data(t.at("values").get<std::vector<double>>(), shape, DType::f64);
}

namespace {

std::vector<double> values_of(const Tensor& t) {
  std::vector<double> v(t.numel());
  dispatch_all(t.dtype(), [&]<class T>() {
    const T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) v[i] = double(p[i]);
  });
  return v;
}

}  // namespace

::testing::AssertionResult matches(const Tensor& actual, const Json& expected, double rtol, const std::string& what) {
  if (!actual.defined()) return ::testing::AssertionFailure() << what << ": soma gave no tensor";
  const Tensor want = decode(expected);
  if (!(actual.shape() == want.shape()))
    return ::testing::AssertionFailure() << what << ": shape " << actual.shape() << ", PyTorch " << want.shape();
  if (actual.dtype() != want.dtype())
    return ::testing::AssertionFailure() << what << ": dtype " << name_of(actual.dtype()) << ", PyTorch "
                                         << name_of(want.dtype());
  const auto a = values_of(actual), e = values_of(want);
  double scale = 0;
  for (double v : e) scale = std::max(scale, std::abs(v));
  std::ostringstream bad;
  int count = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    const double tol = rtol * (std::abs(e[i]) + 0.01 * scale);
    if (std::abs(a[i] - e[i]) <= tol) continue;  // also rejects NaN
    if (count++ < 5)
      bad << "\n  [" << i << "] soma " << a[i] << ", PyTorch " << e[i] << " (|diff| " << std::abs(a[i] - e[i]) << ")";
  }
  if (count == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << count << " of " << e.size() << " elements differ"
                                       << bad.str();
}

namespace {

void check_case(const Json& c, const OpFunction& op, double rtol) {
  const std::string name = c.at("name").get<std::string>();
  std::vector<Tensor> inputs;
  for (const Json& in : c.at("inputs")) {
    Tensor t = decode(in);
    if (in.at("requires_grad").get<bool>()) t.set_requires_grad();
    inputs.push_back(t);
  }
  const Tensor out = op(inputs, c.at("args"));
  EXPECT_TRUE(matches(out, c.at("output"), rtol, name + " output"));
  if (!c.contains("projection")) return;
  // Scalarize with the stored projection r: d sum(out * r) / d input.
  sum(mul(out, decode(c.at("projection")))).backward();
  const Json& grads = c.at("grads");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (grads.at(i).is_null()) continue;
    EXPECT_TRUE(matches(inputs[i].grad(), grads.at(i), rtol, name + " gradient of input " + std::to_string(i)));
  }
}

}  // namespace

void check_group(const std::string& file, const OpTable& table, double rtol) {
  const Json doc = load(file);
  const Json& cases = doc.at("cases");
  ASSERT_FALSE(cases.empty()) << file << " holds no cases";
  std::set<std::string> seen;
  for (const Json& c : cases) {
    const std::string name = c.at("name").get<std::string>(), op = c.at("op").get<std::string>();
    const auto it = table.find(op);
    if (it == table.end()) {
      ADD_FAILURE() << file << ": case " << name << " uses op " << op << ", which the test does not know";
      continue;
    }
    seen.insert(op);
    SCOPED_TRACE("reference case " + name + " (" + file + ")");
    try {
      check_case(c, it->second, c.value("rtol", rtol));
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": threw " << e.what();
    }
  }
  for (const auto& [op, fn] : table)
    EXPECT_TRUE(seen.count(op)) << file << " has no case for op " << op;
}

Reduction reduction_arg(const Json& args) {
  const std::string r = args.value("reduction", std::string("mean"));
  if (r == "sum") return Reduction::sum;
  if (r == "none") return Reduction::none;
  SOMA_CHECK(r == "mean", "reference: unknown reduction ", r);
  return Reduction::mean;
}

double number_arg(const Json& args, const char* key, double fallback) {
  return args.contains(key) ? args.at(key).get<double>() : fallback;
}

}  // namespace soma::test::reference
