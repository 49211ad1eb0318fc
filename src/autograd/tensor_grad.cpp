// Tensor's autograd methods: leaves, gradients, backward (requires_grad and detach, which only
// read or drop the node, are in core/tensor.cpp, which uses them).
#include <cstring>

#include "soma/autograd/function.h"
#include "soma/autograd/node.h"

namespace soma {

using autograd::AccumulateGrad;
using autograd::node_of;

namespace {
AccumulateGrad* leaf_node(const Tensor& t) {
  auto* node = node_of(t);
  return node && node->is_leaf() ? static_cast<AccumulateGrad*>(node) : nullptr;
}
}  // namespace

namespace autograd {
bool needs_grad(std::span<const Tensor> inputs) {
  if (!is_grad_enabled()) return false;
  for (const auto& t : inputs)
    if (t.impl()->grad_node) return true;
  return false;
}
}  // namespace autograd


bool Tensor::is_leaf() const { return !impl_->grad_node || leaf_node(*this); }

Tensor& Tensor::set_requires_grad(bool on) {
  SOMA_CHECK(is_leaf(), "set_requires_grad: only leaf tensors can change requires_grad; this one is the "
             "output of ", node_of(*this)->name(), " (use detach() to make a leaf)");
  if (!on) {
    impl_->grad_node.reset();
  } else if (!impl_->grad_node) {
    SOMA_CHECK(is_floating(dtype()), "set_requires_grad: only float32/float64 tensors can require grad, got ",
               name_of(dtype()));
    auto* node = new AccumulateGrad;
    node->output_shape = shape();
    impl_->grad_node = Ref<RefCounted>(node);
  }
  return *this;
}

Tensor Tensor::grad() const {
  auto* leaf = leaf_node(*this);
  return leaf ? leaf->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) {
  auto* leaf = leaf_node(*this);
  SOMA_CHECK(leaf, "set_grad: the tensor is not a leaf that requires grad");
  SOMA_CHECK(!grad.defined() || (grad.shape() == shape() && grad.dtype() == dtype()), "set_grad: gradient of shape ",
             grad.shape(), " (", name_of(grad.dtype()), ") for a tensor of shape ", shape(), " (", name_of(dtype()), ")");
  leaf->grad = grad;
}

void Tensor::zero_grad() {
  if (auto* leaf = leaf_node(*this)) leaf->grad = Tensor();
}

const Tensor& Tensor::copy_(const Tensor& src) const {
  SOMA_CHECK(defined() && src.defined(), "copy_: ", defined() ? "the source" : "the destination", " is undefined");
  SOMA_CHECK(src.shape() == shape(), "copy_: source of shape ", src.shape(), " into a tensor of shape ", shape());
  SOMA_CHECK(src.dtype() == dtype(), "copy_: source is ", name_of(src.dtype()), " but the tensor is ",
             name_of(dtype()), " (convert it with to())");
  // The graph would not know the values changed under it; PyTorch refuses the same.
  SOMA_CHECK(!requires_grad() || !is_grad_enabled(), "copy_: the tensor requires grad, so an in-place ",
             "copy must run without recording (wrap it in a NoGradGuard, PyTorch's torch.no_grad())");
  std::memmove(raw_data(), src.raw_data(), numel() * size_of(dtype()));  // src may share the storage
  return *this;
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
  autograd::run_backward(*this, grad, retain_graph);
}

}  // namespace soma
