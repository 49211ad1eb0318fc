// Reference-value tests against PyTorch for gather (torch.gather) on 1-D to 4-D inputs along
// every axis, with its gradient. Values from tests/reference/data/gather.json, written by
// make_gather_reference.py; nothing here runs Python.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/ops/gather.h"

namespace soma::test::reference {
namespace {

TEST(GatherReference, GatherMatchesPyTorch) {
  const OpTable table = {
      {"gather", [](const std::vector<Tensor>& in, const Json& args) {
         return gather(in.at(0), args.at("dim").get<int>(), in.at(1));
       }},
  };
  check_group("gather.json", table);
}

}  // namespace
}  // namespace soma::test::reference
