// record(): how an op joins the graph. An op computes its output, then, only when
// needs_grad(inputs...), records a lambda that maps the output's gradient to its inputs':
//
//   Tensor y = ...forward...;
//   if (autograd::needs_grad(x))
//     autograd::record(y, "sigmoid", {&x}, [y = y.detach()](const Tensor& gy, autograd::Grads& g) {
//       g[0] = ...;  // d loss / d x
//     });
//
// Capture only what backward needs (the output for sigmoid, not the input). An output must be
// captured detached: kept with its node, it would hold the node that holds it (a cycle that
// is never freed). An input may be captured as it is: its node never leads back to this one,
// and a detached copy would cost a tensor per input and step.
#pragma once

#include <initializer_list>
#include <span>

#include "soma/autograd/grad_mode.h"
#include "soma/autograd/node.h"

namespace soma::autograd {

/// True when grad mode is on and any of the tensors requires grad.
template <class... Ts>
bool needs_grad(const Ts&... inputs) {
  return is_grad_enabled() && (... || bool(inputs.impl()->grad_node));
}
bool needs_grad(std::span<const Tensor> inputs);

template <class F>
void record(Tensor& output, const char* name, std::span<const Tensor* const> inputs, F backward) {
  auto* node = new FunctionNode<F>(name, std::move(backward));
  node->output_shape = output.shape();
  node->next.reserve(inputs.size());
  for (const Tensor* input : inputs) node->next.emplace_back(node_of(*input));
  output.impl()->grad_node = Ref<RefCounted>::adopt_new(node);
}

template <class F>
void record(Tensor& output, const char* name, std::initializer_list<const Tensor*> inputs, F backward) {
  record(output, name, std::span<const Tensor* const>(inputs.begin(), inputs.size()), std::move(backward));
}

}  // namespace soma::autograd
