// Emitters of the zoo's blocks whose forward is more than their children in a row (models/):
// Inception (four branches concatenated over the channels), Bottleneck (three convolutions and
// a shortcut, added) and GoogLeNet's TransformInput (a per-channel scale and shift).
#include "emit.h"
#include "soma/core/error.h"
#include "soma/models/googlenet.h"
#include "soma/models/resnet.h"

namespace soma::onnx {

namespace {

const nn::Module& child(const nn::Module& block, const std::string& name) {
  for (const auto& [n, m] : block.children())
    if (n == name) return *m;
  throw Error("ONNX export: " + block.type_name() + " has no child '" + name + "'");  // a bug of the exporter
}

// Emits the named children of `block` one after the other, from x.
Value chain(Context& cx, const nn::Module& block, const std::string& path, Value x,
            std::initializer_list<const char*> names) {
  for (const char* name : names) x = emit(cx, child(block, name), child_path(path, name), x);
  return x;
}

Value inception(Context& cx, const models::Inception& m, const std::string& path, const Value& x) {
  std::vector<std::string> branches;
  for (const char* name : {"branch1", "branch2", "branch3", "branch4"})
    branches.push_back(chain(cx, m, path, x, {name}).name);
  return {cx.builder.node1("Concat", branches, hint_of(m, path), {{"axis", std::int64_t{1}}}), m.output_shape(x.shape)};
}

// relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)), as Bottleneck::forward.
Value bottleneck(Context& cx, const models::Bottleneck& m, const std::string& path, const Value& x) {
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(m, path);
  Value h = chain(cx, m, path, x, {"conv1", "bn1"});
  h.name = b.node1("Relu", {h.name}, hint + "/relu1");
  h = chain(cx, m, path, h, {"conv2", "bn2"});
  h.name = b.node1("Relu", {h.name}, hint + "/relu2");
  h = chain(cx, m, path, h, {"conv3", "bn3"});
  const Value shortcut = m.has_projection() ? chain(cx, m, path, x, {"downsample"}) : x;
  const std::string sum = b.node1("Add", {h.name, shortcut.name}, hint + "/add");
  return {b.node1("Relu", {sum}, hint), h.shape};
}

Value transform_input(Context& cx, const models::TransformInput& t, const std::string& path, const Value& x) {
  const Shape shape = t.output_shape(x.shape);
  Tensor scale({1, 3, 1, 1}, DType::f32), shift({1, 3, 1, 1}, DType::f32);
  for (int c = 0; c < 3; ++c) {
    scale.data<float>()[c] = static_cast<float>(models::TransformInput::scale(c));
    shift.data<float>()[c] = static_cast<float>(models::TransformInput::shift(c));
  }
  GraphBuilder& b = cx.builder;
  const std::string hint = hint_of(t, path);
  const std::string scaled = b.node1("Mul", {x.name, b.constant(hint + "/scale", scale)}, hint + "/scaled");
  return {b.node1("Add", {scaled, b.constant(hint + "/shift", shift)}, hint), shape};
}

}  // namespace

std::optional<Value> emit_zoo_blocks(Context& cx, const nn::Module& layer, const std::string& path, const Value& x) {
  if (auto* m = dynamic_cast<const models::Inception*>(&layer)) return inception(cx, *m, path, x);
  if (auto* m = dynamic_cast<const models::Bottleneck*>(&layer)) return bottleneck(cx, *m, path, x);
  if (auto* t = dynamic_cast<const models::TransformInput*>(&layer)) return transform_input(cx, *t, path, x);
  return std::nullopt;
}

}  // namespace soma::onnx
