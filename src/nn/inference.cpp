// InferencePlan (inference.h): the model's layers flattened once into steps, each Dense with
// the activation after it one fused kernel call (kernels/fused_dense.h) writing into its own
// slot of one arena; the slots are never shared, so a view a later layer makes of an earlier
// output (Flatten) stays valid for the whole pass. Everything else calls the layer's forward.
#include "soma/nn/inference.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "kernels/fused_dense.h"
#include "soma/autograd/grad_mode.h"
#include "soma/nn/activation.h"
#include "soma/nn/dense.h"
#include "soma/nn/dropout.h"
#include "soma/ops/view.h"

namespace soma::nn {
namespace {

using kernels::DenseActivation;

// Arena slots start on 64-byte boundaries (16 floats), as soma's own storage does.
constexpr std::int64_t kSlotAlign = 16;

struct Layer {
  Module* module;
  std::string name;  // display_name of its path in the model
};

// The layers in the order they run, nested Sequentials opened (iteratively: no recursion).
std::vector<Layer> flatten_layers(const Sequential& net) {
  std::vector<Layer> out;
  struct Frame {
    const Sequential* seq;
    std::size_t next;
    std::string prefix;
  };
  std::vector<Frame> stack{{&net, 0, ""}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.seq->size()) {
      stack.pop_back();
      continue;
    }
    const std::size_t i = f.next++;
    Module& layer = (*f.seq)[i];
    const std::string path = f.prefix + f.seq->path(i);
    if (const auto* inner = dynamic_cast<const Sequential*>(&layer))
      stack.push_back({inner, 0, path + "."});  // f is invalid from here
    else
      out.push_back({&layer, display_name(path, layer)});
  }
  return out;
}

// The fused kernel's activation for a Dense's own `activation` option; false when that one
// cannot be fused (softmax and log_softmax normalize over the row).
bool own_activation(const Dense& dense, DenseActivation& act, float& slope) {
  const std::string& name = dense.options().activation;
  slope = 0;
  if (name == "linear") act = DenseActivation::identity;
  else if (name == "relu") act = DenseActivation::relu;
  else if (name == "sigmoid") act = DenseActivation::sigmoid;
  else if (name == "tanh") act = DenseActivation::tanh;
  else if (name == "leaky_relu") act = DenseActivation::leaky_relu, slope = float(kKerasLeakySlope);
  else return false;
  return true;
}

// The activation layer `m` as the fused kernel's; false for any other layer.
bool activation_layer(const Module& m, DenseActivation& act, float& slope) {
  slope = 0;
  if (dynamic_cast<const ReLU*>(&m)) act = DenseActivation::relu;
  else if (dynamic_cast<const Sigmoid*>(&m)) act = DenseActivation::sigmoid;
  else if (dynamic_cast<const Tanh*>(&m)) act = DenseActivation::tanh;
  else if (const auto* leaky = dynamic_cast<const LeakyReLU*>(&m))
    act = DenseActivation::leaky_relu, slope = float(leaky->negative_slope());
  else return false;
  return true;
}

const char* activation_name(DenseActivation act) {
  switch (act) {
    case DenseActivation::identity: return "identity";
    case DenseActivation::relu: return "relu";
    case DenseActivation::leaky_relu: return "leaky_relu";
    case DenseActivation::sigmoid: return "sigmoid";
    case DenseActivation::tanh: return "tanh";
  }
  return "?";
}

// bfloat16 values kept in float32 storage (soma's 64-byte aligned blocks), two to an element.
std::uint16_t* bf16_data(const Tensor& raw) { return reinterpret_cast<std::uint16_t*>(raw.data<float>()); }

}  // namespace

struct InferencePlan::Impl {
  struct Step {
    Module* layer = nullptr;  // for a fused step, its Dense
    const Dense* dense = nullptr;  // null: the layer runs its own forward
    std::string name;
    DenseActivation act = DenseActivation::identity;
    float slope = 0;
    std::int64_t rows = 0, in = 0, out = 0, offset = 0;  // offset: the slot in the arena
    Shape shape;    // the step's output shape
    Tensor output;  // a fused step's view of its slot; a layer step's latest result
    Tensor bf16;    // InferenceOptions::bf16: the weight rounded (kernels::to_bf16_rows), as raw bytes
  };

  explicit Impl(Sequential& n) : net(n) {}

  Sequential& net;
  Shape input, output;
  DType dtype = DType::f32;
  Tensor arena;
  Tensor input_copy;  // an input that was the plan's own output
  Tensor bf16_scratch;  // the bf16 kernels' rounded input rows, as raw bytes
  InferenceOptions options;
  std::vector<Step> steps;
  std::string description;
  int fused = 0;
};

InferencePlan::InferencePlan(Sequential& net, const Shape& input, const InferenceOptions& options)
    : impl_(std::make_unique<Impl>(net)) {
  Impl& p = *impl_;
  p.input = input;
  p.options = options;
  const auto params = net.parameters();
  if (!params.empty()) p.dtype = params.front().dtype();
  try {
    p.output = net.output_shape(input);
  } catch (const Error& e) {
    throw Error(std::string("InferencePlan: the model refuses input ") + input.str() + ": " + e.what());
  }

  const std::vector<Layer> layers = flatten_layers(net);
  Shape shape = input;
  std::int64_t arena_size = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    Module& m = *layers[i].module;
    if (dynamic_cast<const Dropout*>(&m)) {  // the identity in evaluation mode
      p.description += layers[i].name + ": skipped (identity in evaluation mode)\n";
      continue;
    }
    Impl::Step step;
    step.layer = &m;
    step.name = layers[i].name;
    const Shape in_shape = shape;
    shape = m.output_shape(shape);
    step.shape = shape;
    const auto* dense = dynamic_cast<const Dense*>(&m);
    if (dense && p.dtype == DType::f32 && dense->weight().dtype() == DType::f32 &&
        own_activation(*dense, step.act, step.slope)) {
      step.dense = dense;
      step.in = dense->options().in;
      step.out = dense->options().out;
      step.rows = in_shape.numel() / step.in;
      // An activation layer right after (Dropouts between are identities) joins the kernel.
      std::size_t next = i + 1;
      while (next < layers.size() && dynamic_cast<const Dropout*>(layers[next].module)) ++next;
      if (step.act == DenseActivation::identity && next < layers.size() &&
          activation_layer(*layers[next].module, step.act, step.slope)) {
        for (std::size_t j = i + 1; j < next; ++j)
          p.description += layers[j].name + ": skipped (identity in evaluation mode)\n";
        step.name += " + " + layers[next].name;
        i = next;
      }
      step.offset = arena_size;
      arena_size += (shape.numel() + kSlotAlign - 1) / kSlotAlign * kSlotAlign;
      ++p.fused;
      p.description += step.name + ": fused, " + std::to_string(step.in) + " -> " + std::to_string(step.out) +
                       ", " + activation_name(step.act) + (options.bf16 ? ", bf16" : "") + ", output " +
                       shape.str() + "\n";
    } else {
      p.description += step.name + ": own forward, output " + shape.str() + "\n";
    }
    p.steps.push_back(std::move(step));
  }

  NoGradGuard no_grad;
  p.arena = Tensor(Shape{arena_size}, DType::f32);
  std::int64_t scratch = 0;  // bfloat16 values
  for (auto& s : p.steps) {
    if (!s.dense) continue;
    s.output = reshape(slice(p.arena, 0, s.offset, s.offset + s.shape.numel()), s.shape);
    if (options.bf16) {
      s.bf16 = Tensor(Shape{(s.out * kernels::bf16_row_length(s.in) + 1) / 2}, DType::f32);
      scratch = std::max(scratch, s.rows * kernels::bf16_row_length(s.in));
    }
  }
  if (options.bf16) p.bf16_scratch = Tensor(Shape{(scratch + 1) / 2}, DType::f32);
  refresh();
}

void InferencePlan::refresh() {
  for (auto& s : impl_->steps)
    if (s.bf16.defined()) kernels::to_bf16_rows(s.dense->weight().data<float>(), s.out, s.in, bf16_data(s.bf16));
}

InferencePlan::~InferencePlan() = default;
InferencePlan::InferencePlan(InferencePlan&&) noexcept = default;
InferencePlan& InferencePlan::operator=(InferencePlan&&) noexcept = default;

const Tensor& InferencePlan::operator()(const Tensor& x) {
  Impl& p = *impl_;
  SOMA_CHECK(x.defined(), "InferencePlan: the input is an undefined tensor");
  if (!(x.shape() == p.input)) {
    std::string why;  // the layer that refuses the new shape, if one does
    try {
      p.net.output_shape(x.shape());
    } catch (const Error& e) {
      why = e.what();
    }
    SOMA_CHECK(false, "InferencePlan: planned for input ", p.input, " but receives ", x.shape(),
               why.empty() ? "; only the batch differs: make a plan for that shape, InferencePlan(net, " +
                                 x.shape().str() + ")"
                           : "; " + why);
  }
  SOMA_CHECK(x.dtype() == p.dtype, "InferencePlan: planned for ", name_of(p.dtype), " input but receives ",
             name_of(x.dtype()), " (convert with x.to(", name_of(p.dtype), "))");
  NoGradGuard no_grad;
  // The plan's own output given back as input (plan(plan(x))) would be overwritten while read.
  const bool own = p.arena.numel() > 0 && x.shares_storage(p.arena);
  if (own) p.input_copy = x.copy();
  const Tensor* h = own ? &p.input_copy : &x;
  for (auto& s : p.steps) {
    if (s.dense) {
      const float* bias = s.dense->bias().defined() ? s.dense->bias().data<float>() : nullptr;
      if (s.bf16.defined())
        kernels::fused_dense_bf16(h->data<float>(), s.rows, s.in, bf16_data(s.bf16), bias, s.out, s.act, s.slope,
                                  bf16_data(p.bf16_scratch), s.output.data<float>());
      else
        kernels::fused_dense(h->data<float>(), s.rows, s.in, s.dense->weight().data<float>(), bias, s.out, s.act,
                             s.slope, s.output.data<float>());
    } else {
      try {
        if (s.layer->is_training()) {
          ModeGuard mode(*s.layer);
          s.layer->eval();
          s.output = s.layer->forward(*h);
        } else {
          s.output = s.layer->forward(*h);
        }
      } catch (const Error& e) {
        throw Error("InferencePlan: " + s.name + ": " + e.what());
      }
    }
    h = &s.output;
  }
  return *h;
}

const Shape& InferencePlan::input_shape() const { return impl_->input; }
const Shape& InferencePlan::output_shape() const { return impl_->output; }
std::string InferencePlan::describe() const { return impl_->description; }
int InferencePlan::fused_count() const { return impl_->fused; }

}  // namespace soma::nn
