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

/// The nodes of an op's inputs, in the order the op recorded them: a vector that keeps up to
/// kInline entries in place. Nearly every op has 1-3 inputs, so recording one allocates
/// nothing for this list (a heap vector per node was 10% of a B1 training step).
class NodeList {
 public:
  static constexpr std::size_t kInline = 3;

  NodeList() = default;
  NodeList(const NodeList&) = delete;
  NodeList& operator=(const NodeList&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Ref<Node>* data() { return spilled_ ? heap_.data() : inline_; }
  const Ref<Node>* data() const { return spilled_ ? heap_.data() : inline_; }
  Ref<Node>& operator[](std::size_t i) { return data()[i]; }
  const Ref<Node>& operator[](std::size_t i) const { return data()[i]; }
  Ref<Node>* begin() { return data(); }
  Ref<Node>* end() { return data() + size_; }
  const Ref<Node>* begin() const { return data(); }
  const Ref<Node>* end() const { return data() + size_; }

  void reserve(std::size_t n) {
    if (n > kInline) spill(n);
  }
  void emplace_back(Node* node) {
    if (!spilled_ && size_ == kInline) spill(2 * kInline);
    if (spilled_) heap_.emplace_back(node);
    else inline_[size_] = Ref<Node>(node);
    ++size_;
  }
  void clear() {
    for (auto& n : inline_) n.reset();
    heap_.clear();
    spilled_ = false;
    size_ = 0;
  }

 private:
  void spill(std::size_t capacity) {  // moves the entries to the heap
    heap_.reserve(capacity);
    if (spilled_) return;
    for (std::size_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    spilled_ = true;
  }

  Ref<Node> inline_[kInline];
  std::vector<Ref<Node>> heap_;  // every entry, once spilled_
  std::size_t size_ = 0;
  bool spilled_ = false;
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
  /// True only for AccumulateGrad. A flag, not a dynamic_cast: the engine asks for every node
  /// of every backward pass, and on small networks the cast alone cost 5% of a training step.
  bool is_leaf() const { return is_leaf_; }

  NodeList next;       ///< the node of each input; null where no gradient flows
  Shape output_shape;  ///< shape of the tensor this node produced; its gradient must match

  // Engine bookkeeping during one backward pass.
  Tensor pending;           ///< sum of the gradients received so far
  std::uint64_t visit = 0;  ///< pass number of the last traversal that reached this node

 protected:
  bool is_leaf_ = false;
};

/// The node of a leaf that requires grad: backward accumulates into `grad`.
class AccumulateGrad final : public Node {
 public:
  AccumulateGrad() { is_leaf_ = true; }
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
