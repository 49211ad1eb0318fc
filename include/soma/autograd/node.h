// The autograd graph: one Node per recorded op, pointing at the nodes of its inputs.
// A leaf that requires grad owns an AccumulateGrad node, which holds its .grad().
// Nodes never point back to tensors, so tensors and graph form no cycles.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "soma/core/tensor.h"

namespace soma::autograd {

class Node;

/// The gradients an op's backward writes: one slot per input, in the order the op
/// recorded them. Slot i is only read by the engine when needed(i).
class Grads {
 public:
  Grads(Tensor* slots, const Ref<Node>* next, std::size_t n) : slots_(slots), next_(next), n_(n) {}
  /// Whether input i takes part in the graph (skip the work otherwise).
  bool needed(std::size_t i) const { return bool(next_[i]); }
  Tensor& operator[](std::size_t i) { return slots_[i]; }
  std::size_t size() const { return n_; }

 private:
  Tensor* slots_;
  const Ref<Node>* next_;
  std::size_t n_;
};

class Node : public RefCounted {
 public:
  /// Destroys long chains iteratively (a 100,000-op graph must not overflow the stack).
  ~Node() override;
  virtual const char* name() const = 0;
  /// Computes the needed input gradients from the gradient of the op's output.
  virtual void backward(const Tensor& grad_output, Grads& grads) = 0;
  /// Drops the tensors saved for backward (called when the graph is freed).
  virtual void release_saved() {}

  std::vector<Ref<Node>> next;  ///< the node of each input; null where no gradient flows
  Shape output_shape;           ///< shape of the tensor this node produced; its gradient must match

  // Engine bookkeeping during one backward pass.
  Tensor pending;           ///< sum of the gradients received so far
  std::uint64_t visit = 0;  ///< pass number of the last traversal that reached this node
};

/// The node of a leaf that requires grad: backward accumulates into `grad`.
class AccumulateGrad final : public Node {
 public:
  const char* name() const override { return "AccumulateGrad"; }
  void backward(const Tensor& grad_output, Grads& grads) override;
  Tensor grad;
};

/// A node whose backward is a lambda written beside the op's forward (see record()).
template <class F>
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, F fn) : name_(name), fn_(std::move(fn)) {}
  const char* name() const override { return name_; }
  void backward(const Tensor& grad_output, Grads& grads) override {
    SOMA_CHECK(fn_.has_value(), name_, ": backward through a graph that was already freed; "
               "pass retain_graph = true to the first backward()");
    (*fn_)(grad_output, grads);
  }
  void release_saved() override { fn_.reset(); }

 private:
  const char* name_;
  std::optional<F> fn_;
};

/// The node of a tensor, or null.
inline Node* node_of(const Tensor& t) { return static_cast<Node*>(t.impl()->grad_node.get()); }

/// Adds `g` into `sum` (sets it when undefined), stealing g's buffer or adding in place only
/// where no one else can see it. Shapes must match.
void accumulate(Tensor& sum, Tensor&& g);

/// Runs backward from `root` seeded with `grad` (see Tensor::backward).
void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph);

}  // namespace soma::autograd
