// The backward engine: an iterative depth-first walk orders the graph (reverse post-order is
// a topological order), then each node, in that order, turns its summed output gradient into
// its inputs' gradients. Iterative throughout, so a 100,000-op chain needs no deep stack.
#include <algorithm>
#include <atomic>
#include <vector>

#include "kernels/add_into.h"
#include "soma/autograd/function.h"
#include "soma/autograd/node.h"

namespace soma::autograd {
namespace {

// Unique across threads with no atomic per pass (a locked add was 9% of the engine's time in
// B1): the top 24 bits number the thread, taken once, the low 40 count its passes.
std::uint64_t next_pass_id() {
  static std::atomic<std::uint64_t> threads{0};
  thread_local std::uint64_t id = (threads.fetch_add(1, std::memory_order_relaxed) + 1) << 40;
  return ++id;
}

// Nodes reachable from root, each after all nodes that feed gradient into it, appended to
// `order` (plain pointers: the graph keeps them alive, see run_backward).
void topological_order(Node* root, std::vector<Node*>& order) {
  const std::uint64_t pass = next_pass_id();
  // The walk's stack is pure scratch: kept per thread so a backward pass allocates nothing
  // for it once the first pass has sized it.
  static thread_local std::vector<std::pair<Node*, std::size_t>> stack;
  stack.clear();
  stack.emplace_back(root, 0);
  root->visit = pass;
  const std::size_t first = order.size();
  while (!stack.empty()) {
    auto& [node, child] = stack.back();
    if (child < node->next.size()) {
      Node* next = node->next[child++].get();
      if (next && next->visit != pass) {
        next->visit = pass;
        stack.emplace_back(next, 0);
      }
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::reverse(order.begin() + first, order.end());  // post-order reversed
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
  dispatch_floating(sum.dtype(), "autograd",
                    [&]<class T>() { kernels::add_into(sum.data<T>(), g.data<T>(), sum.numel()); });
}

void AccumulateGrad::backward(const Tensor& grad_output, Grads&) {
  accumulate(grad, Tensor(grad_output));
}

Node::~Node() {
  if (next.empty()) return;  // a backward pass has cut its edges already (run_backward)
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
    seed = Tensor(root.shape(), root.dtype());  // ones(), without its general fill
    dispatch_floating(root.dtype(), "backward", [&]<class T>() { *seed.data<T>() = T(1); });
  }

  NoGradGuard no_grad;  // backward formulas may use ops; they are not recorded
  // The pass's two buffers come from a per-thread spare, so that a steady training loop
  // allocates nothing here; a nested pass (none today) would find it taken and allocate.
  static thread_local std::vector<Node*> spare_order;
  static thread_local std::vector<Tensor> spare_slots;
  std::vector<Node*> order = std::move(spare_order);
  std::vector<Tensor> slots = std::move(spare_slots);
  order.clear();
  topological_order(root_node, order);
  try {
    accumulate(root_node->pending, std::move(seed));
    for (Node* node : order) {
      Tensor grad_output = std::move(node->pending);  // leaves pending undefined
      if (node->is_leaf()) {
        // Moved, not passed by reference as backward() would: a gradient no one else holds
        // becomes the leaf's .grad without a copy.
        if (grad_output.defined()) accumulate(static_cast<AccumulateGrad&>(*node).grad, std::move(grad_output));
        continue;
      }
      if (grad_output.defined()) {
        // Every slot is undefined between nodes (each is moved out or reset below), so the
        // slots are only grown here, never refilled.
        const std::size_t inputs = node->next.size();
        if (slots.size() < inputs) slots.resize(inputs);
        Grads grads(slots.data(), node->next.data(), inputs);
        node->backward(grad_output, grads);
        grad_output = Tensor();  // so a gradient passed straight through can be stolen
        for (std::size_t i = 0; i < inputs; ++i) {
          Tensor& g = slots[i];
          if (!g.defined()) continue;
          if (Node* input = node->next[i].get()) {
            SOMA_CHECK(g.shape() == input->output_shape, node->name(), " backward: the gradient of input ", i,
                       " has shape ", g.shape(), " but the input has shape ", input->output_shape);
            accumulate(input->pending, std::move(g));
          }
          g = Tensor();
        }
      }
      if (!retain_graph) node->release_saved();
    }
  } catch (...) {
    // Gradients already sent further down must not linger in the nodes: a later backward
    // through the same leaves would add them to its own.
    for (Node* node : order) node->pending = Tensor();
    slots.clear();
    spare_order = std::move(order);
    spare_slots = std::move(slots);
    throw;
  }
  // Free the graph. `order` holds plain pointers, so nothing may be freed while the loop
  // above runs; here, going from the leaves towards the root, cutting a node's edges can
  // only free nodes already behind us, while its own consumers (ahead) keep it alive.
  if (!retain_graph)
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      if (!(*it)->is_leaf()) (*it)->next.clear();
  spare_order = std::move(order);
  spare_slots = std::move(slots);
}

}  // namespace soma::autograd
