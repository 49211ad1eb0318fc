// The backward engine: an iterative depth-first walk orders the graph (reverse post-order is
// a topological order), then each node, in that order, turns its summed output gradient into
// its inputs' gradients. Iterative throughout, so a 100,000-op chain needs no deep stack.
#include <atomic>
#include <vector>

#include "kernels/parallel.h"
#include "soma/autograd/function.h"
#include "soma/autograd/node.h"
#include "soma/core/factory.h"

namespace soma::autograd {
namespace {

std::uint64_t next_pass_id() {
  static std::atomic<std::uint64_t> id{0};
  return ++id;
}

// Nodes reachable from root, each after all nodes that feed gradient into it.
std::vector<Ref<Node>> topological_order(Node* root) {
  const std::uint64_t pass = next_pass_id();
  std::vector<Ref<Node>> post_order;
  std::vector<std::pair<Node*, std::size_t>> stack{{root, 0}};
  root->visit = pass;
  while (!stack.empty()) {
    auto& [node, child] = stack.back();
    if (child < node->next.size()) {
      Node* next = node->next[child++].get();
      if (next && next->visit != pass) {
        next->visit = pass;
        stack.emplace_back(next, 0);
      }
    } else {
      post_order.emplace_back(node);
      stack.pop_back();
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

bool unshared(const Tensor& t) {
  return t.impl()->use_count() == 1 && t.impl()->storage->use_count() == 1;
}

}  // namespace

void accumulate(Tensor& sum, Tensor&& g) {
  if (!sum.defined()) {
    sum = unshared(g) ? std::move(g) : g.copy();
    return;
  }
  SOMA_CHECK(sum.shape() == g.shape(), "autograd: gradient of shape ", g.shape(),
             " does not match the accumulated gradient of shape ", sum.shape());
  if (!unshared(sum)) sum = sum.copy();
  dispatch_floating(sum.dtype(), "autograd", [&]<class T>() {
    T* dst = sum.data<T>();
    const T* src = g.data<T>();
    kernels::parallel_for(sum.numel(), kernels::kParallelGrain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) dst[i] += src[i];
    });
  });
}

void AccumulateGrad::backward(const Tensor& grad_output, Grads&) {
  accumulate(grad, Tensor(grad_output));
}

Node::~Node() {
  // A node that dies may take its inputs' nodes with it, recursively. Hand those to the
  // outermost destructor on this thread, which frees them one by one in a loop.
  static thread_local std::vector<Ref<Node>> orphans;
  static thread_local bool draining = false;
  for (auto& n : next)
    if (n && n->use_count() == 1) orphans.push_back(std::move(n));
  next.clear();
  if (draining) return;
  draining = true;
  while (!orphans.empty()) {
    Ref<Node> last = std::move(orphans.back());
    orphans.pop_back();
  }
  draining = false;
}

void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  SOMA_CHECK(root.defined(), "backward: the tensor is undefined");
  Node* root_node = node_of(root);
  SOMA_CHECK(root_node, "backward: the tensor does not require grad and has no graph "
             "(did an input have set_requires_grad(true)? was NoGradGuard active?)");
  Tensor seed;
  if (grad.defined()) {
    SOMA_CHECK(grad.shape() == root.shape() && grad.dtype() == root.dtype(), "backward: gradient of shape ",
               grad.shape(), " (", name_of(grad.dtype()), ") given for a tensor of shape ", root.shape(), " (",
               name_of(root.dtype()), ")");
    seed = grad;
  } else {
    SOMA_CHECK(root.numel() == 1, "backward: without a gradient argument the tensor must have one element "
               "(a loss), but it has shape ", root.shape());
    seed = ones(root.shape(), root.dtype());
  }

  NoGradGuard no_grad;  // backward formulas may use ops; they are not recorded
  const auto order = topological_order(root_node);
  std::vector<Tensor> slots;
  try {
    accumulate(root_node->pending, std::move(seed));
    for (const auto& node : order) {
      Tensor grad_output = std::move(node->pending);
      node->pending = Tensor();
      const bool leaf = node->next.empty();
      if (leaf && grad_output.defined()) {  // AccumulateGrad: hand over the buffer, no copy
        if (auto* acc = dynamic_cast<AccumulateGrad*>(node.get())) {
          accumulate(acc->grad, std::move(grad_output));
          grad_output = Tensor();
        }
      }
      if (grad_output.defined()) {
        slots.assign(node->next.size(), Tensor());
        Grads grads(slots.data(), node->next.data(), slots.size());
        node->backward(grad_output, grads);
        grad_output = Tensor();  // so a gradient passed straight through can be stolen
        for (std::size_t i = 0; i < slots.size(); ++i) {
          Node* input = node->next[i].get();
          if (!input || !slots[i].defined()) continue;
          SOMA_CHECK(slots[i].shape() == input->output_shape, node->name(), " backward: the gradient of input ", i,
                     " has shape ", slots[i].shape(), " but the input has shape ", input->output_shape);
          accumulate(input->pending, std::move(slots[i]));
        }
      }
      if (!retain_graph && !leaf) {
        node->release_saved();
        node->next.clear();
      }
    }
  } catch (...) {
    // Gradients already sent further down must not linger in the nodes: a later backward
    // through the same leaves would add them to its own.
    for (const auto& node : order) node->pending = Tensor();
    throw;
  }
}

}  // namespace soma::autograd
