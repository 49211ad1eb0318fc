// Reference-value tests against PyTorch for the ops that grow images: conv_transpose2d
// (kernels 1-5, strides 1-3, padding, output_padding, dilation, groups, no bias) and upsample
// (nearest and bilinear with both align_corners, integer and non-integer scales, explicit
// sizes, shrinking). Values from tests/reference/data/upsampling.json, written by
// make_upsampling_reference.py; nothing here runs Python.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/ops/conv_transpose.h"
#include "soma/ops/upsample.h"

namespace soma::test::reference {
namespace {

Pair pair_arg(const Json& args, const char* key) {
  const auto v = args.at(key).get<std::vector<std::int64_t>>();
  SOMA_CHECK(v.size() == 2, "reference: ", key, " must be a pair");
  return {v[0], v[1]};
}

UpsampleParams upsample_args(const Json& args) {
  UpsampleParams p;
  if (args.contains("size")) p.size = pair_arg(args, "size");
  if (args.contains("scale_factor")) {
    const auto s = args.at("scale_factor").get<std::vector<double>>();
    SOMA_CHECK(s.size() == 2, "reference: scale_factor must be a pair");
    p.scale_factor = {s[0], s[1]};
  }
  const std::string mode = args.at("mode").get<std::string>();
  SOMA_CHECK(mode == "nearest" || mode == "bilinear", "reference: unknown mode ", mode);
  p.mode = mode == "nearest" ? UpsampleMode::nearest : UpsampleMode::bilinear;
  p.align_corners = args.at("align_corners").get<bool>();
  return p;
}

TEST(UpsamplingReference, ConvTransposeAndUpsampleMatchPyTorch) {
  const OpTable table = {
      {"conv_transpose2d",
       [](const std::vector<Tensor>& in, const Json& args) {
         const ConvTranspose2dParams p{.stride = pair_arg(args, "stride"),
                                       .padding = pair_arg(args, "padding"),
                                       .output_padding = pair_arg(args, "output_padding"),
                                       .groups = args.at("groups").get<std::int64_t>(),
                                       .dilation = pair_arg(args, "dilation")};
         return conv_transpose2d(in.at(0), in.at(1), in.size() > 2 ? in[2] : Tensor(), p);
       }},
      {"upsample", [](const std::vector<Tensor>& in, const Json& args) { return upsample(in.at(0), upsample_args(args)); }},
  };
  check_group("upsampling.json", table);
}

}  // namespace
}  // namespace soma::test::reference
