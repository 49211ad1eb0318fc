// TensorDataset: rows gathered with memcpy. Deliberately not index_select: that op records an
// autograd node when x requires grad, and the data layer must stay outside any graph.
#include "soma/data/dataset.h"

#include <cstring>

namespace soma::data {
namespace {

// Copies rows `indices` of t [N, ...] into a new tensor [K, ...] of the same dtype.
Tensor gather_rows(const Tensor& t, std::span<const std::int64_t> indices) {
  const std::int64_t n = t.size(0);
  Shape shape = t.shape();
  shape[0] = std::int64_t(indices.size());
  Tensor out(shape, t.dtype());
  const std::size_t row_bytes = n ? std::size_t(t.numel() / n) * size_of(t.dtype()) : 0;
  const auto* src = static_cast<const char*>(t.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (std::size_t k = 0; k < indices.size(); ++k)
    std::memcpy(dst + k * row_bytes, src + indices[k] * row_bytes, row_bytes);
  return out;
}

}  // namespace

TensorDataset::TensorDataset(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {
  SOMA_CHECK(x_.defined(), "TensorDataset: x is undefined");
  SOMA_CHECK(x_.dim() >= 1, "TensorDataset: x must have a leading example axis, got a 0-dim tensor");
  if (y_.defined()) {
    SOMA_CHECK(y_.dim() >= 1, "TensorDataset: y must have a leading example axis, got a 0-dim tensor");
    SOMA_CHECK(x_.size(0) == y_.size(0), "TensorDataset: x ", x_.shape(), " holds ", x_.size(0),
               " examples but y ", y_.shape(), " holds ", y_.size(0));
  }
}

std::int64_t TensorDataset::size() const { return x_.size(0); }

Batch TensorDataset::get(std::span<const std::int64_t> indices) const {
  const std::int64_t n = size();
  for (std::size_t k = 0; k < indices.size(); ++k)
    SOMA_CHECK(indices[k] >= 0 && indices[k] < n, "TensorDataset::get: index ", indices[k],
               " (position ", k, ") is out of range for ", n, " examples");
  return {gather_rows(x_, indices), y_.defined() ? gather_rows(y_, indices) : Tensor()};
}

}  // namespace soma::data
