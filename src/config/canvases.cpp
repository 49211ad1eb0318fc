// "data": {"dataset": "canvases", "canvases": {...}}: synthetic localization and detection
// canvases (data/canvases.h). They are drawn once here, as the config's data sets are tensors.
#include "config/canvases.h"

#include <algorithm>
#include <numeric>

#include "soma/data/canvases.h"
#include "soma/data/mnist.h"

namespace soma::config::detail {
namespace {

inline constexpr std::int64_t kTrainCanvases = 8'000, kTestCanvases = 1'000;

Tensor all_of(const data::Canvases& canvases, Tensor& y) {
  std::vector<std::int64_t> indices(std::size_t(canvases.size()));
  std::iota(indices.begin(), indices.end(), 0);
  data::Batch b = canvases.get(indices);
  y = b.y;
  return b.x;
}

}  // namespace

CanvasSplits read_canvases(Section& parent, std::int64_t limit, std::int64_t test_limit) {
  const Json* given = parent.raw("canvases");
  const Json spec = given ? *given : Json::object();  // a Section reads it in place
  Section s(spec, parent.path_of("canvases"), "canvases");
  const data::CanvasOptions d;
  data::CanvasOptions o;
  const std::string source = s.text("source", "fashion-mnist", {"fashion-mnist", "mnist"});
  const std::string dir = s.text("dir", source == "mnist" ? data::default_mnist_dir() : data::kFashionMnistDir);
  const auto seed = std::uint64_t(s.integer("seed", 0, 0));
  o.size = s.integer("size", d.size, 1);
  std::int64_t train_count = s.integer("train", kTrainCanvases, 1), test_count = s.integer("test", kTestCanvases, 0);
  o.min_items = int(s.integer("min_items", d.min_items, 0));
  o.max_items = int(s.integer("max_items", d.max_items, 0));
  o.min_scale = s.integer("min_scale", d.min_scale, 1);
  o.max_scale = s.integer("max_scale", d.max_scale, 1);
  o.max_overlap = s.number("max_overlap", d.max_overlap, {.lo = 0, .hi = 1});
  s.finish();
  parent.set("canvases", s.resolved());
  if (limit > 0) train_count = std::min(train_count, limit);
  if (test_limit > 0) test_count = std::min(test_count, test_limit);
  CanvasSplits out;
  try {
    auto draw = [&](const std::string& split, std::int64_t count, std::uint64_t split_seed, Tensor& y) {
      auto items = source == "mnist" ? data::mnist(split, dir) : data::fashion_mnist(split, dir);
      data::CanvasOptions so = o;
      so.count = count, so.seed = split_seed;
      return all_of(data::Canvases(items, so), y);
    };
    out.train_x = draw("train", train_count, seed, out.train_y);
    if (test_count > 0) out.test_x = draw("test", test_count, seed + 1, out.test_y);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    fail(s.path(), e.what());
  }
  return out;
}

}  // namespace soma::config::detail
