// The models that tests/onnx/export_test.cpp exports and runs in onnxruntime: one per
// exportable layer (and setting that changes the ONNX written), and the CNN, LSTM and residual
// configs of configs/. Each comes with its inputs; weights and inputs are seeded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "soma/core/tensor.h"
#include "soma/nn/module.h"

namespace soma::test {

struct OnnxCase {
  std::string name;
  std::shared_ptr<nn::Module> model;
  std::vector<Tensor> inputs;       ///< what soma and onnxruntime are both given
  std::vector<Shape> export_shapes; ///< what the file is exported for (another batch size)
};

/// Every case, built from fixed seeds. `configs_dir` holds cnn_fashion.json, char_lstm.json and
/// residual_cnn.json.
std::vector<OnnxCase> onnx_cases(const std::string& configs_dir);

}  // namespace soma::test
