// GraphBuilder over ONNX's generated protobuf classes (onnx/onnx_pb.h from libonnx-dev) and
// its checker (libonnx): the exporter never writes protobuf bytes by hand.
#include "graph_builder.h"

#include <climits>
#include <set>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include "soma/core/error.h"

namespace soma::onnx {

namespace {

// IR version 8 is what ONNX 1.12 (opset 17) writes; onnxruntime reads it.
constexpr std::int64_t kIrVersion = 8;

::onnx::TensorProto::DataType elem_type(ElementType type) {
  return type == ElementType::i64 ? ::onnx::TensorProto::INT64 : ::onnx::TensorProto::FLOAT;
}

void set_shape(::onnx::ValueInfoProto& info, ElementType type, const Shape& dims, bool dynamic_batch) {
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type(type));
  auto* shape = tensor->mutable_shape();
  for (int i = 0; i < dims.dim(); ++i) {
    auto* d = shape->add_dim();
    if (i == 0 && dynamic_batch) d->set_dim_param("N");
    else d->set_dim_value(dims[i]);
  }
}

void set_attribute(::onnx::AttributeProto& a, const Attribute& attribute) {
  a.set_name(attribute.name);
  if (const auto* i = std::get_if<std::int64_t>(&attribute.value)) {
    a.set_type(::onnx::AttributeProto::INT);
    a.set_i(*i);
  } else if (const auto* f = std::get_if<float>(&attribute.value)) {
    a.set_type(::onnx::AttributeProto::FLOAT);
    a.set_f(*f);
  } else if (const auto* s = std::get_if<std::string>(&attribute.value)) {
    a.set_type(::onnx::AttributeProto::STRING);
    a.set_s(*s);
  } else if (const auto* is = std::get_if<std::vector<std::int64_t>>(&attribute.value)) {
    a.set_type(::onnx::AttributeProto::INTS);
    for (auto v : *is) a.add_ints(v);
  } else {
    a.set_type(::onnx::AttributeProto::STRINGS);
    for (const auto& v : std::get<std::vector<std::string>>(attribute.value)) a.add_strings(v);
  }
}

}  // namespace

struct GraphBuilder::Impl {
  ::onnx::ModelProto model;
  ::onnx::GraphProto* graph = model.mutable_graph();
  std::set<std::string> names;  // every value and node name used so far
};

GraphBuilder::GraphBuilder(std::string graph_name) : impl_(std::make_unique<Impl>()) {
  impl_->graph->set_name(std::move(graph_name));
}

GraphBuilder::~GraphBuilder() = default;

std::string GraphBuilder::unique(const std::string& hint) {
  std::string name = hint;
  for (int k = 1; impl_->names.count(name); ++k) name = hint + "_" + std::to_string(k);
  impl_->names.insert(name);
  return name;
}

std::string GraphBuilder::constant(const std::string& hint, const Tensor& t) {
  ::onnx::TensorProto* proto = impl_->graph->add_initializer();
  const std::string name = unique(hint);
  proto->set_name(name);
  for (auto d : t.shape()) proto->add_dims(d);
  if (t.dtype() == DType::i64) {
    proto->set_data_type(::onnx::TensorProto::INT64);
    const Tensor c = t.copy();  // contiguous
    proto->set_raw_data(c.raw_data(), c.numel() * sizeof(std::int64_t));
  } else {
    proto->set_data_type(::onnx::TensorProto::FLOAT);
    const Tensor c = t.dtype() == DType::f32 ? t.copy() : t.to(DType::f32);
    // raw_data is little-endian, as every machine soma runs on.
    proto->set_raw_data(c.raw_data(), c.numel() * sizeof(float));
  }
  return name;
}

std::string GraphBuilder::ints(const std::string& hint, const std::vector<std::int64_t>& values) {
  Tensor t({static_cast<std::int64_t>(values.size())}, DType::i64);
  for (std::size_t i = 0; i < values.size(); ++i) t.data<std::int64_t>()[i] = values[i];
  return constant(hint, t);
}

std::string GraphBuilder::floats(const std::string& hint, const std::vector<float>& values) {
  Tensor t({static_cast<std::int64_t>(values.size())}, DType::f32);
  for (std::size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
  return constant(hint, t);
}

std::vector<std::string> GraphBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                            const std::string& hint, const std::vector<Attribute>& attributes,
                                            int outputs) {
  ::onnx::NodeProto* n = impl_->graph->add_node();
  n->set_op_type(op);
  n->set_name(unique(hint + "/" + op));
  for (const auto& in : inputs) n->add_input(in);
  std::vector<std::string> out;
  for (int i = 0; i < outputs; ++i) {
    out.push_back(unique(outputs == 1 ? hint : hint + "/out" + std::to_string(i)));
    n->add_output(out.back());
  }
  for (const auto& a : attributes) set_attribute(*n->add_attribute(), a);
  return out;
}

void GraphBuilder::input(const std::string& name, ElementType type, const Shape& dims, bool dynamic_batch) {
  SOMA_CHECK(!impl_->names.count(name), "ONNX export: two values are named '", name, "'");
  impl_->names.insert(name);
  set_shape(*impl_->graph->add_input(), type, dims, dynamic_batch);
  impl_->graph->mutable_input()->rbegin()->set_name(name);
}

void GraphBuilder::set_input_type(const std::string& name, ElementType type) {
  for (auto& in : *impl_->graph->mutable_input())
    if (in.name() == name)
      in.mutable_type()->mutable_tensor_type()->set_elem_type(elem_type(type));
}

void GraphBuilder::output(const std::string& value, const std::string& name, const Shape& dims, bool dynamic_batch) {
  std::string out = value;
  if (value != name) {
    // An input passed straight through, or a value already named otherwise: rename by Identity.
    SOMA_CHECK(!impl_->names.count(name), "ONNX export: two values are named '", name, "'");
    ::onnx::NodeProto* n = impl_->graph->add_node();
    n->set_op_type("Identity");
    n->set_name(unique(name + "/Identity"));
    n->add_input(value);
    n->add_output(name);
    impl_->names.insert(name);
    out = name;
  }
  ::onnx::ValueInfoProto* info = impl_->graph->add_output();
  info->set_name(out);
  set_shape(*info, ElementType::f32, dims, dynamic_batch);
}

std::string GraphBuilder::serialize(std::int64_t opset, const std::string& producer_version) {
  const int newest = ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at("").second;
  SOMA_CHECK(opset <= newest, "ONNX export: the ONNX library soma was built with knows opsets up to ", newest,
             "; got opset ", opset);
  ::onnx::ModelProto& model = impl_->model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("soma");
  model.set_producer_version(producer_version);
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  try {
    ::onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(std::string("ONNX export: the model fails ONNX's checker (a bug of soma's exporter): ") + e.what());
  }
  SOMA_CHECK(model.ByteSizeLong() < static_cast<std::size_t>(INT_MAX),
             "ONNX export: the model takes ", model.ByteSizeLong(), " bytes; a protobuf file holds at most 2 GiB");
  return model.SerializeAsString();
}

}  // namespace soma::onnx
