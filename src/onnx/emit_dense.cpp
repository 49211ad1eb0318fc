// Emitters of the layers that work on any shape: Dense, the activations, Dropout (the
// identity in evaluation mode), Flatten, Embedding and batch normalization (its evaluation
// form, with the running statistics).
#include "emit.h"
#include "soma/core/factory.h"
#include "soma/nn/activation.h"
#include "soma/nn/batch_norm.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/nn/embedding.h"
#include "soma/nn/flatten.h"
#include "soma/ops/view.h"

namespace soma::onnx {

namespace {

// y = x W^T + b as MatMul with the transposed weight [in, out]: MatMul takes any rank of x
// ([..., in]), where Gemm takes only [N, in].
Value dense(Context& cx, const nn::Dense& d, const std::string& path, const Value& x) {
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(d, path);
  const std::string w = b.constant(hint + ".weight_t", transpose(d.weight(), 0, 1));
  std::string y = b.node1("MatMul", {x.name, w}, hint + "/matmul");
  if (d.bias().defined()) y = b.node1("Add", {y, b.constant(hint + ".bias", d.bias())}, hint);
  return activation(cx, d, path, activation_option(d.options()), {y, d.output_shape(x.shape)}, -1);
}

Value batch_norm(Context& cx, const nn::BatchNormBase& bn, const std::string& path, const Value& x) {
  if (!bn.options().track_running_stats)
    refuse(bn, path, "without running statistics (track_running_stats = false) it normalizes with each batch's "
                     "statistics even in evaluation mode, which ONNX's BatchNormalization does not");
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(bn, path);
  const std::int64_t C = bn.num_features();
  const Tensor scale = bn.weight().defined() ? bn.weight() : full({C}, 1.0);
  const Tensor shift = bn.bias().defined() ? bn.bias() : zeros({C});
  const std::string y =
      b.node1("BatchNormalization",
              {x.name, b.constant(hint + ".weight", scale), b.constant(hint + ".bias", shift),
               b.constant(hint + ".running_mean", bn.running_mean()),
               b.constant(hint + ".running_var", bn.running_var())},
              hint, {{"epsilon", static_cast<float>(bn.options().eps)}});
  return {y, x.shape};
}

// 1 where x >= at, else 0 (the perceptron's step).
Value threshold(Context& cx, const nn::Threshold& t, const std::string& hint, const Value& x) {
  GraphBuilder& b = cx.builder;
  const std::string ge = b.node1("GreaterOrEqual", {x.name, b.floats(hint + ".at", {static_cast<float>(t.at())})},
                                 hint + "/compare");
  return {b.node1("Cast", {ge}, hint, {{"to", std::int64_t{1}}}), x.shape};  // 1: FLOAT
}

Value flatten(Context& cx, const nn::Flatten& f, const std::string& path, const Value& x) {
  // The outputs' first axis is declared as the batch "N": merged into others it would not be.
  if (cx.dynamic_batch && x.shape.axis(f.start()) == 0 && x.shape.axis(f.end()) > 0)
    refuse(f, path, "it merges the batch axis into others; export with a fixed batch (dynamic_batch = false)");
  return reshape(cx, x, f.output_shape(x.shape), hint_of(f, path));
}

Value embedding(Context& cx, const nn::Embedding& e, const std::string& path, const Value& x) {
  if (!cx.graph_inputs.count(x.name))
    refuse(e, path, "an Embedding is exported only as the model's first layer, reading the int64 ids it is given");
  cx.builder.set_input_type(x.name, ElementType::i64);
  const std::string hint = hint_of(e, path);
  GraphBuilder& b = cx.builder;
  return {b.node1("Gather", {b.constant(hint + ".weight", e.weight()), x.name}, hint, {{"axis", std::int64_t{0}}}),
          e.output_shape(x.shape)};
}

}  // namespace

std::optional<Value> emit_dense_and_activations(Context& cx, const nn::Module& layer, const std::string& path,
                                                const Value& x) {
  const std::string hint = hint_of(layer, path);
  GraphBuilder& b = cx.builder;
  auto same = [&](const char* op, std::vector<Attribute> attributes = {}) {
    return Value{b.node1(op, {x.name}, hint, attributes), x.shape};
  };
  if (auto* d = dynamic_cast<const nn::Dense*>(&layer)) return dense(cx, *d, path, x);
  if (auto* bn = dynamic_cast<const nn::BatchNormBase*>(&layer)) return batch_norm(cx, *bn, path, x);
  if (dynamic_cast<const nn::Sigmoid*>(&layer)) return same("Sigmoid");
  if (dynamic_cast<const nn::Tanh*>(&layer)) return same("Tanh");
  if (dynamic_cast<const nn::ReLU*>(&layer)) return same("Relu");
  if (auto* l = dynamic_cast<const nn::LeakyReLU*>(&layer))
    return same("LeakyRelu", {{"alpha", static_cast<float>(l->negative_slope())}});
  if (auto* t = dynamic_cast<const nn::Threshold*>(&layer)) return threshold(cx, *t, hint, x);
  // Opset 13 and later: Softmax and LogSoftmax along one axis, as soma's.
  if (auto* s = dynamic_cast<const nn::Softmax*>(&layer)) return same("Softmax", {{"axis", std::int64_t{s->axis()}}});
  if (auto* s = dynamic_cast<const nn::LogSoftmax*>(&layer))
    return same("LogSoftmax", {{"axis", std::int64_t{s->axis()}}});
  if (dynamic_cast<const nn::Dropout*>(&layer)) return same("Identity");
  if (auto* f = dynamic_cast<const nn::Flatten*>(&layer)) return flatten(cx, *f, path, x);
  if (auto* e = dynamic_cast<const nn::Embedding*>(&layer)) return embedding(cx, *e, path, x);
  return std::nullopt;
}

}  // namespace soma::onnx
