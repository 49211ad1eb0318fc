// Reference-value tests against PyTorch for the losses (every reduction, saturated and
// extreme inputs, label and probability targets, sequence cross-entropy, the VAE's KL and loss),
// embedding, and the view ops (reshape, slicing with a step, repeated-row index_select, cat,
// stack...). Values from tests/reference/data/*.json.
#include <gtest/gtest.h>

#include "reference/reference_support.h"
#include "soma/soma.h"

namespace soma::test::reference {
namespace {

// A loss called as f(input, target, reduction), or with one extra parameter before it.
OpFunction loss(Tensor (*f)(const Tensor&, const Tensor&, Reduction)) {
  return [f](const std::vector<Tensor>& in, const Json& args) { return f(in.at(0), in.at(1), reduction_arg(args)); };
}
OpFunction loss(Tensor (*f)(const Tensor&, const Tensor&, double, Reduction), const char* parameter) {
  return [f, parameter](const std::vector<Tensor>& in, const Json& args) {
    return f(in.at(0), in.at(1), args.at(parameter).get<double>(), reduction_arg(args));
  };
}

// reshape through its initializer-list overload, the one that accepts a -1 (a Shape cannot).
Tensor reshape_to(const Tensor& x, const std::vector<std::int64_t>& s) {
  switch (s.size()) {
    case 1: return reshape(x, {s[0]});
    case 2: return reshape(x, {s[0], s[1]});
    case 3: return reshape(x, {s[0], s[1], s[2]});
    case 4: return reshape(x, {s[0], s[1], s[2], s[3]});
    default: detail::throw_error("reference: reshape to ", s.size(), " dimensions is not wired in the test");
  }
}

TEST(ReferenceLoss, LossesAndReductionsMatchPyTorch) {
  const OpTable table = {
      {"mse_loss", loss(mse_loss)},
      {"l1_loss", loss(l1_loss)},
      {"binary_cross_entropy", loss(binary_cross_entropy)},
      {"binary_cross_entropy_with_logits", loss(binary_cross_entropy_with_logits)},
      {"cross_entropy", loss(cross_entropy)},
      {"sequence_cross_entropy",
       [](const std::vector<Tensor>& in, const Json& args) {
         return sequence_cross_entropy(in.at(0), in.at(1), {.reduction = reduction_arg(args)});
       }},
      {"embedding", [](const std::vector<Tensor>& in, const Json&) { return embedding(in.at(0), in.at(1)); }},
      {"hinge_loss", loss(hinge_loss, "margin")},
      {"huber_loss", loss(huber_loss, "delta")},
      {"smooth_l1_loss", loss(smooth_l1_loss, "beta")},
      {"gaussian_kl", [](const auto& in, const Json&) { return generative::gaussian_kl(in.at(0), in.at(1)); }},
      {"vae_loss",
       [](const auto& in, const Json&) { return generative::vae_loss(in.at(0), in.at(1), in.at(2), in.at(3)); }},
  };
  check_group("loss.json", table);
}

TEST(ReferenceView, ViewOpsMatchPyTorch) {
  const OpTable table = {
      {"reshape",
       [](const auto& in, const Json& args) {
         return reshape_to(in.at(0), args.at("shape").get<std::vector<std::int64_t>>());
       }},
      {"flatten",
       [](const auto& in, const Json& args) {  // no args: soma's defaults must be PyTorch's flatten(x, 1)
         return args.contains("start") ? flatten(in.at(0), args.at("start").get<int>(), args.at("end").get<int>())
                                       : flatten(in.at(0));
       }},
      {"squeeze", [](const auto& in, const Json& args) { return squeeze(in.at(0), args.at("axis").get<int>()); }},
      {"unsqueeze", [](const auto& in, const Json& args) { return unsqueeze(in.at(0), args.at("axis").get<int>()); }},
      {"transpose",
       [](const auto& in, const Json& args) {
         return transpose(in.at(0), args.at("axis0").get<int>(), args.at("axis1").get<int>());
       }},
      {"permute",
       [](const auto& in, const Json& args) { return permute(in.at(0), args.at("order").get<std::vector<int>>()); }},
      {"slice",
       [](const auto& in, const Json& args) {
         return slice(in.at(0), args.at("axis").get<int>(), args.at("start").get<std::int64_t>(),
                      args.at("end").get<std::int64_t>(), args.at("step").get<std::int64_t>());
       }},
      {"index_select", [](const auto& in, const Json&) { return index_select(in.at(0), in.at(1)); }},
      {"cat", [](const auto& in, const Json& args) { return cat(in, args.at("axis").get<int>()); }},
      {"stack", [](const auto& in, const Json& args) { return stack(in, args.at("axis").get<int>()); }},
  };
  check_group("view.json", table);
}

}  // namespace
}  // namespace soma::test::reference
