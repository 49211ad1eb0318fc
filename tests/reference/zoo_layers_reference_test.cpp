// Reference-value tests against PyTorch for the layers the model zoo added: local response
// normalization (F.local_response_norm) and adaptive average pooling (F.adaptive_avg_pool2d),
// forward and gradient. Values from tests/reference/data/zoo_layers.json, written by
// make_zoo_layers_reference.py; nothing here runs Python.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/ops/local_response_norm.h"
#include "soma/ops/pool.h"

namespace soma::test::reference {
namespace {

TEST(ZooLayersReference, LocalResponseNormAndAdaptiveAvgPoolMatchPyTorch) {
  const OpTable table = {
      {"local_response_norm",
       [](const std::vector<Tensor>& in, const Json& args) {
         return local_response_norm(in.at(0), args.at("size").get<std::int64_t>(), args.at("alpha").get<double>(),
                                    args.at("beta").get<double>(), args.at("k").get<double>());
       }},
      {"adaptive_avg_pool2d",
       [](const std::vector<Tensor>& in, const Json& args) {
         const auto size = args.at("output_size").get<std::vector<std::int64_t>>();
         return adaptive_avg_pool2d(in.at(0), Pair{size.at(0), size.at(1)});
       }},
  };
  check_group("zoo_layers.json", table);
}

}  // namespace
}  // namespace soma::test::reference
