// Emitters of RNN, LSTM and GRU: one ONNX RNN/LSTM/GRU node per stacked layer, time-major
// ([T, N, F]) as every runtime supports, with the gate blocks moved from PyTorch's order to
// ONNX's: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h with linear_before_reset = 1 (soma's
// and PyTorch's b_hn inside the reset product). Every call starts from zero states: a
// stateful layer exports as after reset_states().
#include "emit.h"
#include "soma/nn/recurrent.h"
#include "soma/ops/view.h"

namespace soma::onnx {

namespace {

// w [G*H, ...] with its gate blocks in `order` (ONNX's k-th block is soma's order[k]).
Tensor reorder_gates(const Tensor& w, const std::vector<std::int64_t>& order, std::int64_t H) {
  std::vector<Tensor> blocks;
  for (auto g : order) blocks.push_back(slice(w, 0, g * H, (g + 1) * H));
  return cat(blocks, 0);
}

struct CellInfo {
  const char* op;
  std::vector<std::int64_t> order;
  std::vector<Attribute> attributes;
};

CellInfo cell_info(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::lstm: return {"LSTM", {0, 3, 1, 2}, {}};
    case RecurrentCell::gru: return {"GRU", {1, 0, 2}, {{"linear_before_reset", std::int64_t{1}}}};
    case RecurrentCell::rnn_relu: return {"RNN", {0}, {{"activations", std::vector<std::string>{"Relu"}}}};
    default: return {"RNN", {0}, {{"activations", std::vector<std::string>{"Tanh"}}}};
  }
}

Value recurrent(Context& cx, const nn::Recurrent& r, const std::string& path, const Value& x) {
  const nn::RecurrentOptions& o = r.options();
  if (x.shape.dim() != 3)
    refuse(r, path, "ONNX takes its input batched, [N, T, F]; the export gives it " + x.shape.str());
  const std::int64_t H = o.hidden_size;
  CellInfo info = cell_info(r.cell());
  info.attributes.push_back({"hidden_size", H});
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(r, path);
  const std::vector<std::int64_t> time_major{1, 0, 2};
  std::string seq = b.node1("Transpose", {x.name}, hint + "/time_major", {{"perm", time_major}});
  std::string last_h;
  for (std::int64_t k = 0; k < o.num_layers; ++k) {
    const RecurrentWeights& w = r.weights(k);
    const std::string layer = hint + ".l" + std::to_string(k);
    std::vector<std::string> inputs{seq, b.constant(layer + ".W", unsqueeze(reorder_gates(w.w_ih, info.order, H), 0)),
                                    b.constant(layer + ".R", unsqueeze(reorder_gates(w.w_hh, info.order, H), 0))};
    if (w.b_ih.defined()) {
      const Tensor bias = cat({reorder_gates(w.b_ih, info.order, H), reorder_gates(w.b_hh, info.order, H)}, 0);
      inputs.push_back(b.constant(layer + ".B", unsqueeze(bias, 0)));
    }
    // Y [T, 1, N, H] and Y_h [1, N, H].
    const std::vector<std::string> out = b.node(info.op, inputs, layer, info.attributes, 2);
    seq = b.node1("Squeeze", {out[0], b.ints(layer + "/axis", {1})}, layer + "/steps");
    last_h = out[1];
  }
  const Shape shape = r.output_shape(x.shape);
  if (!o.return_sequences) return {b.node1("Squeeze", {last_h, b.ints(hint + "/axis", {0})}, hint), shape};
  return {b.node1("Transpose", {seq}, hint, {{"perm", time_major}}), shape};
}

}  // namespace

std::optional<Value> emit_recurrent(Context& cx, const nn::Module& layer, const std::string& path, const Value& x) {
  if (auto* r = dynamic_cast<const nn::Recurrent*>(&layer)) return recurrent(cx, *r, path, x);
  return std::nullopt;
}

}  // namespace soma::onnx
