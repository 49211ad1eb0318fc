// ONNX export (optional layer `onnx`, built when libonnx-dev is there; docs/onnx.md): writes a
// soma model in evaluation mode as an ONNX file that onnxruntime and other runtimes run with
// soma's results. Layers map to standard operators of opset 17; weights go in as float32
// initializers. Not here: importing ONNX files, training graphs, float64 models.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "soma/core/shape.h"
#include "soma/nn/module.h"

namespace soma::onnx {

struct ExportOptions {
  std::int64_t opset = 17;  ///< the ai.onnx opset written (17 or later)
  /// The first axis of every input and output is the symbol "N": the file runs on any batch
  /// size. False: the sizes given are fixed.
  bool dynamic_batch = true;
};

/// Writes `model` as an ONNX file for inputs of `input_shape` (batch axis first, e.g.
/// {1, 1, 28, 28}; an nn::Graph takes one shape per input, in declaration order). The model
/// is exported in evaluation mode (batch norm with its running statistics, Dropout as the
/// identity) and left in the mode it had.
/// Inputs are named "input" (a Graph: its input nodes' names), float32, or int64 ids when the
/// model starts with an Embedding; outputs are "output" (a Graph: its output nodes' names).
/// The file passes ONNX's checker before it is written (atomically).
///   onnx::export_onnx(net, {1, 1, 28, 28}, "fashion_cnn.onnx");
/// Exportable: Dense, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d,
/// BatchNorm1d/2d (with running statistics), Dropout, Flatten, Upsample, Embedding (first
/// layer), RNN, LSTM, GRU (from zero states), every activation, Sequential, TimeDistributed
/// and Graph with add, multiply and concatenate.
/// Throws soma::Error naming the first layer that cannot be exported and why, for a model
/// with float64 parameters, a shape the model refuses (its output_shape message), an opset
/// below 17 or above what the ONNX library soma was built with knows (17 for Debian 12's
/// 1.12), or a file that cannot be written.
void export_onnx(nn::Module& model, const Shape& input_shape, const std::string& path,
                 const ExportOptions& options = {});
void export_onnx(nn::Module& model, const std::vector<Shape>& input_shapes, const std::string& path,
                 const ExportOptions& options = {});

/// The ONNX file's bytes (a serialized ModelProto), as export_onnx would write them.
std::string export_onnx_bytes(nn::Module& model, const std::vector<Shape>& input_shapes,
                              const ExportOptions& options = {});

}  // namespace soma::onnx
