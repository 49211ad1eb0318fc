// summary: walks a model with the shapes of a batch of 1 and of 2 side by side (so that the
// batch axis can print as N), one row per layer, then formats the table. The model's own
// output_shape runs first, so a model that does not fit its input fails with the same
// message as everywhere else.
#include "soma/nn/summary.h"

#include <algorithm>
#include <ostream>
#include <span>

#include "soma/nn/graph.h"
#include "soma/nn/sequential.h"

namespace soma::nn {
namespace {

// One tensor's shape for a batch of 1 and for a batch of 2.
struct Probe {
  Shape one, two;
};

Shape with_batch(std::int64_t batch, const Shape& sample) {
  Shape out{batch};
  for (std::int64_t d : sample) out.push_back(d);
  return out;
}

// "[N, 32, 28, 28]" when the first axis follows the batch, else the shape for one sample.
std::string show(const Probe& p) {
  const bool batched = p.one.dim() >= 1 && p.one.dim() == p.two.dim() && p.one[0] == 1 && p.two[0] == 2 &&
                       std::equal(p.one.begin() + 1, p.one.end(), p.two.begin() + 1);
  if (!batched) return p.one.str();
  std::string s = "[N";
  for (int i = 1; i < p.one.dim(); ++i) s += ", " + std::to_string(p.one[i]);
  return s + "]";
}

std::string join_path(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

Probe walk(const Module& m, const std::string& path, const Probe& in, std::vector<std::string> inputs,
           std::vector<LayerSummary>& rows) {
  if (const auto* seq = dynamic_cast<const Sequential*>(&m); seq && seq->size() > 0) {
    Probe h = in;
    for (std::size_t i = 0; i < seq->size(); ++i) {
      h = walk((*seq)[i], join_path(path, seq->path(i)), h, i == 0 ? inputs : std::vector<std::string>{},
               rows);
    }
    return h;
  }
  const Probe out{m.output_shape(in.one), m.output_shape(in.two)};
  LayerSummary row;
  row.layer = display_name(path, m);
  row.output_shape = show(out);
  row.parameters = m.parameter_count();
  row.flops = m.flops(in.one);
  row.arithmetic = m.shape_arithmetic(in.one);
  row.inputs = std::move(inputs);
  rows.push_back(std::move(row));
  return out;
}

void walk_graph(const Graph& g, std::vector<LayerSummary>& rows) {
  std::vector<Shape> ones, twos;
  for (const Shape& s : g.input_shapes()) {
    ones.push_back(with_batch(1, s));
    twos.push_back(with_batch(2, s));
  }
  const std::vector<Shape> one = g.infer_shapes(ones), two = g.infer_shapes(twos);
  for (std::size_t i = 0; i < g.nodes().size(); ++i) {
    const Graph::NodeInfo& node = g.nodes()[i];
    std::vector<std::string> inputs;
    for (int in : node.inputs) inputs.push_back(g.nodes()[in].name);
    if (node.kind == Graph::Kind::layer) {
      const int in = node.inputs[0];
      walk(*node.layer, node.name, {one[in], two[in]}, std::move(inputs), rows);
    } else {
      LayerSummary row;
      row.layer = node.name + " (" + node.type_name() + ")";
      row.output_shape = show({one[i], two[i]});
      row.inputs = std::move(inputs);
      rows.push_back(std::move(row));
    }
  }
}

void count_parameters(const Module& model, ModelSummary& s) {
  for (const Tensor& p : model.parameters()) {
    s.total_parameters += p.numel();
    (p.requires_grad() ? s.trainable_parameters : s.non_trainable_parameters) += p.numel();
  }
  for (const auto& [name, b] : model.named_buffers()) s.buffer_values += b.numel();
  for (const LayerSummary& row : s.layers) s.flops += row.flops;
}

// 1234567 -> "1,234,567"
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string pad_right(const std::string& s, std::size_t width) {
  return s + std::string(width > s.size() ? width - s.size() : 0, ' ');
}
std::string pad_left(const std::string& s, std::size_t width) {
  return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
}

}  // namespace

ModelSummary summarize(const Module& model, const Shape& sample_shape) {
  if (const auto* graph = dynamic_cast<const Graph*>(&model)) {
    const std::vector<Shape> declared = graph->input_shapes();
    SOMA_CHECK(declared.size() == 1 && declared[0] == sample_shape, "summary: the Graph declares its inputs (",
               declared.size(), " of them); call nn::summary(graph) without a shape, or give its input's shape ",
               declared.empty() ? std::string("-") : declared[0].str(), ", got ", sample_shape);
    return summarize(*graph);
  }
  SOMA_CHECK(sample_shape.dim() < Shape::kMaxDims, "summary: the input shape ", sample_shape, " leaves no room for the batch axis");
  model.output_shape(with_batch(1, sample_shape));  // the model's own checks and messages first
  ModelSummary s;
  s.model = model.type_name();
  const Probe in{with_batch(1, sample_shape), with_batch(2, sample_shape)};
  s.input_shapes.push_back(show(in));
  walk(model, "", in, {}, s.layers);
  count_parameters(model, s);
  return s;
}

ModelSummary summarize(const Graph& model) {
  ModelSummary s;
  s.model = model.type_name();
  for (const Shape& shape : model.input_shapes()) s.input_shapes.push_back(show({with_batch(1, shape), with_batch(2, shape)}));
  walk_graph(model, s.layers);
  count_parameters(model, s);
  return s;
}

std::string summary(const Module& model, const Shape& sample_shape) { return summarize(model, sample_shape).str(); }
std::string summary(const Graph& model) { return summarize(model).str(); }

std::string ModelSummary::str() const {
  const bool graph = std::any_of(layers.begin(), layers.end(), [](const auto& row) { return !row.inputs.empty(); });
  std::vector<std::vector<std::string>> table{{"Layer (type)", "Output shape", "Param #", "FLOPs"}};
  if (graph) table[0].push_back("Connected to");
  for (const LayerSummary& row : layers) {
    table.push_back({row.layer, row.output_shape, grouped(row.parameters), grouped(row.flops)});
    if (graph) {
      std::string joined;
      for (const auto& in : row.inputs) joined += (joined.empty() ? "" : ", ") + in;
      table.back().push_back(joined);
    }
  }
  std::vector<std::size_t> width(table[0].size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());

  std::string out = "Model: " + model + ", input ";
  for (std::size_t i = 0; i < input_shapes.size(); ++i) out += (i ? ", " : "") + input_shapes[i];
  out += "\n";
  std::size_t total_width = 0;
  for (std::size_t c = 0; c < width.size(); ++c) total_width += width[c] + (c ? 3 : 0);
  const std::string rule(total_width, '=');
  for (std::size_t r = 0; r < table.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c < table[r].size(); ++c) {
      const bool number = c == 2 || c == 3;
      if (c > 0) line += "   ";
      line += number ? pad_left(table[r][c], width[c]) : pad_right(table[r][c], width[c]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
    if (r == 0) out += rule + "\n";
  }
  out += rule + "\n";
  out += "Total params: " + grouped(total_parameters) + "\n";
  out += "Trainable params: " + grouped(trainable_parameters) + "\n";
  out += "Non-trainable params: " + grouped(non_trainable_parameters) + "\n";
  out += "Buffers (not parameters): " + grouped(buffer_values) + "\n";
  out += "FLOPs per sample (multiply-adds): " + grouped(flops) + "\n";
  return out;
}

std::ostream& operator<<(std::ostream& os, const ModelSummary& summary) { return os << summary.str(); }

}  // namespace soma::nn
