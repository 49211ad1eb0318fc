// Reference-value tests against PyTorch for conv2d (strides, numeric and 'same'/'valid'
// padding, dilation, groups, no bias) and pooling (max with ties, avg with ceil_mode and both
// count_include_pad rules, global). Values from tests/reference/data/conv.json, written by
// make_conv_reference.py; nothing here runs Python.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/ops/conv.h"
#include "soma/ops/pool.h"

namespace soma::test::reference {
namespace {

// A [h, w] pair from args.
Pair pair_arg(const Json& args, const char* key) {
  const auto v = args.at(key).get<std::vector<std::int64_t>>();
  SOMA_CHECK(v.size() == 2, "reference: ", key, " must be a pair");
  return {v[0], v[1]};
}

Padding padding_arg(const Json& args) {
  const Json& p = args.at("padding");
  if (p.is_string()) {
    const std::string mode = p.get<std::string>();
    SOMA_CHECK(mode == "same" || mode == "valid", "reference: unknown padding ", mode);
    return mode == "same" ? Padding::same : Padding::valid;
  }
  return Padding(pair_arg(args, "padding"));
}

// One table for the whole file: check_group wants every op of a file known to the table.
TEST(ConvReference, ConvolutionAndPoolingMatchPyTorch) {
  const OpTable table = {
      {"conv2d",
       [](const std::vector<Tensor>& in, const Json& args) {
         const Conv2dParams p{.stride = pair_arg(args, "stride"),
                              .padding = padding_arg(args),
                              .dilation = pair_arg(args, "dilation"),
                              .groups = args.at("groups").get<std::int64_t>()};
         return conv2d(in.at(0), in.at(1), in.size() > 2 ? in[2] : Tensor(), p);
       }},
      {"max_pool2d",
       [](const std::vector<Tensor>& in, const Json& args) {
         return max_pool2d(in.at(0), pair_arg(args, "kernel"), pair_arg(args, "stride"), pair_arg(args, "padding"),
                           args.at("ceil_mode").get<bool>());
       }},
      {"avg_pool2d",
       [](const std::vector<Tensor>& in, const Json& args) {
         return avg_pool2d(in.at(0), pair_arg(args, "kernel"), pair_arg(args, "stride"), pair_arg(args, "padding"),
                           args.at("ceil_mode").get<bool>(), args.at("count_include_pad").get<bool>());
       }},
      {"global_avg_pool2d", [](const std::vector<Tensor>& in, const Json&) { return global_avg_pool2d(in.at(0)); }},
  };
  check_group("conv.json", table);
}

}  // namespace
}  // namespace soma::test::reference
