// Reference-value tests against PyTorch for nll_loss, Keras' categorical cross-entropy (its
// formula written in torch) and the Keras activations of Dense, with gradients. Values from
// tests/reference/data/probability_losses.json, written by make_probability_loss_reference.py.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/nn/activation.h"
#include "soma/ops/linalg.h"
#include "soma/ops/loss.h"

namespace soma::test::reference {
namespace {

TEST(ProbabilityLossReference, MatchesPyTorchAndKerasFormulas) {
  const OpTable table = {
      {"nll_loss",
       [](const std::vector<Tensor>& in, const Json& args) { return nll_loss(in.at(0), in.at(1), reduction_arg(args)); }},
      {"categorical_crossentropy",
       [](const std::vector<Tensor>& in, const Json& args) {
         return categorical_crossentropy(in.at(0), in.at(1), args.at("from_logits").get<bool>(), reduction_arg(args));
       }},
      {"dense_activation",
       [](const std::vector<Tensor>& in, const Json& args) {
         return nn::activate(args.at("activation").get<std::string>(), linear(in.at(0), in.at(1), in.at(2)));
       }},
  };
  check_group("probability_losses.json", table);
}

}  // namespace
}  // namespace soma::test::reference
