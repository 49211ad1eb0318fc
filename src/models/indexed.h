// Appending to an nn::Sequential under PyTorch's plain index paths ("0", "1", ...), the way
// torchvision's nn.Sequential blocks name their layers ("features.0.weight"). Private to models.
#pragma once

#include <concepts>
#include <memory>
#include <string>

#include "soma/nn/sequential.h"

namespace soma::models::detail {

template <std::derived_from<nn::Module> Layer>
void append(nn::Sequential& seq, Layer layer) {
  seq.push_back(std::to_string(seq.size()), std::move(layer));
}
inline void append(nn::Sequential& seq, std::shared_ptr<nn::Module> layer) {
  seq.push_back(std::to_string(seq.size()), std::move(layer));
}

}  // namespace soma::models::detail
