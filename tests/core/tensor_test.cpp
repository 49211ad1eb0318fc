// Tests for Tensor (src/core/tensor.cpp): element access and its bounds errors, typed data
// access, copy, dtype conversion, storage sharing, alignment, and the printed text of small
// tensors and of large ones summarized with "...".
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <vector>

#include "soma/core/factory.h"
#include "soma/core/tensor.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {
using test::error_message;

std::string text(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

// [rows, cols] int64 tensor with value 10 * row + col.
Tensor grid(std::int64_t rows, std::int64_t cols) {
  Tensor t({rows, cols}, DType::i64);
  for (std::int64_t i = 0; i < rows * cols; ++i) t.data<std::int64_t>()[i] = 10 * (i / cols) + i % cols;
  return t;
}

TEST(TensorTest, DefaultConstructedIsUndefined) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_EQ(text(t), "tensor(undefined)");
  EXPECT_EQ(error_message([&] { t.item(); }), "item: the tensor is undefined");
}

TEST(TensorTest, ConstructorAllocatesShapeAndDtype) {
  const Tensor t({2, 3, 4}, DType::f64);
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.size(1), 3);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dtype(), DType::f64);
  EXPECT_THROW(t.size(3), Error);
}

TEST(TensorTest, DataIs64ByteAligned) {
  for (std::int64_t n : {1, 3, 17, 1000, 4097, 100000}) {
    const Tensor t({n}, DType::f32);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64, 0u) << n;
  }
}

TEST(TensorTest, TypedDataRejectsTheWrongType) {
  const Tensor t = zeros({2});
  EXPECT_NO_THROW(t.data<float>());
  EXPECT_EQ(error_message([&] { t.data<double>(); }), "tensor data: asked for float64 but the tensor is float32");
  EXPECT_THROW(t.data<std::int64_t>(), Error);
}

TEST(TensorTest, ItemReadsTheOnlyElement) {
  EXPECT_EQ(scalar(2.5).item(), 2.5);
  EXPECT_EQ(full({1, 1}, -3, DType::i64).item(), -3);
  EXPECT_EQ(error_message([] { zeros({2, 3}).item(); }), "item: expected a tensor with one element, got shape [2, 3]");
  EXPECT_THROW(zeros({0}).item(), Error);
}

TEST(TensorTest, AtAndSetAddressRowMajorElements) {
  Tensor t = zeros({2, 3}, DType::f64);
  t.set({1, 2}, 7.5);
  t.set({0, 1}, -1);
  EXPECT_EQ(t.at({1, 2}), 7.5);
  EXPECT_EQ(t.at({0, 1}), -1);
  EXPECT_EQ(t.data<double>()[5], 7.5);
  EXPECT_EQ(t.data<double>()[1], -1);
  Tensor s = scalar(1);
  s.set({}, 4);
  EXPECT_EQ(s.at({}), 4);
  Tensor i = zeros({2}, DType::i64);
  i.set({1}, 3.9);  // cast to the dtype
  EXPECT_EQ(i.at({1}), 3);
}

TEST(TensorTest, AtAndSetCheckBounds) {
  Tensor t = zeros({2, 3});
  EXPECT_EQ(error_message([&] { t.at({2, 0}); }), "tensor index: index 2 is out of range for axis 0 of size 2");
  EXPECT_EQ(error_message([&] { t.at({0, 3}); }), "tensor index: index 3 is out of range for axis 1 of size 3");
  EXPECT_EQ(error_message([&] { t.at({0, -1}); }), "tensor index: index -1 is out of range for axis 1 of size 3");
  EXPECT_EQ(error_message([&] { t.at({0}); }), "tensor index: 1 indices for a tensor of shape [2, 3]");
  EXPECT_EQ(error_message([&] { t.set({0, 0, 0}, 1); }), "tensor index: 3 indices for a tensor of shape [2, 3]");
  EXPECT_THROW(t.set({5, 0}, 1), Error);
  EXPECT_THROW(t.set({0, 3}, 1), Error);
}

TEST(TensorTest, CopyOwnsNewStorageWithTheSameValues) {
  Tensor a = tensor({1, 2, 3}, DType::f64);
  Tensor b = a.copy();
  EXPECT_FALSE(b.shares_storage(a));
  EXPECT_EQ(b.shape(), a.shape());
  EXPECT_EQ(b.dtype(), DType::f64);
  EXPECT_EQ(b.at({2}), 3);
  b.set({0}, 100);
  EXPECT_EQ(a.at({0}), 1);
}

TEST(TensorTest, ToConvertsValuesBetweenDtypes) {
  const Tensor a = tensor({1.5, -2.75, 3});
  const Tensor d = a.to(DType::f64);
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_EQ(d.at({1}), -2.75);
  EXPECT_FALSE(d.shares_storage(a));
  const Tensor i = d.to(DType::i64);
  EXPECT_EQ(i.dtype(), DType::i64);
  EXPECT_EQ(i.at({0}), 1);   // truncates toward zero, like a C++ cast
  EXPECT_EQ(i.at({1}), -2);
  EXPECT_EQ(i.to(DType::f32).at({2}), 3);
  const Tensor f = tensor({0.1}, DType::f64).to(DType::f32);
  EXPECT_EQ(f.at({0}), double(0.1f));
}

TEST(TensorTest, ToTheSameDtypeReturnsTheSameTensor) {
  const Tensor a = tensor({1, 2});
  EXPECT_TRUE(a.to(DType::f32).shares_storage(a));
}

TEST(TensorTest, SharesStorageDistinguishesHandlesFromCopies) {
  const Tensor a = zeros({4});
  const Tensor handle = a;
  EXPECT_TRUE(a.shares_storage(a));
  EXPECT_TRUE(handle.shares_storage(a));
  EXPECT_TRUE(a.detach().shares_storage(a));
  EXPECT_FALSE(a.copy().shares_storage(a));
  EXPECT_FALSE(zeros({4}).shares_storage(a));
}

TEST(TensorTest, PrintsSmallFloatTensorsWithFourDecimals) {
  EXPECT_EQ(text(tensor({1, -2.5, 3.14159})), "tensor([   1.0000,   -2.5000,    3.1416], shape=[3], dtype=float32)");
  EXPECT_EQ(text(tensor({{1, 2}, {3, 4}}, DType::f64)),
            "tensor([[   1.0000,    2.0000],\n"
            "        [   3.0000,    4.0000]], shape=[2, 2], dtype=float64)");
}

TEST(TensorTest, PrintsScalarsIntegersAndEmptyTensors) {
  EXPECT_EQ(text(scalar(2.5)), "tensor(2.5, shape=[], dtype=float32)");
  EXPECT_EQ(text(tensor({3, -1, 0}, DType::i64)), "tensor([3, -1, 0], shape=[3], dtype=int64)");
  EXPECT_EQ(text(zeros({0})), "tensor([], shape=[0], dtype=float32)");
}

TEST(TensorTest, PrintsThreeDimensionsWithAlignedBrackets) {
  Tensor cube({2, 2, 2}, DType::i64);
  for (int i = 0; i < 8; ++i) cube.data<std::int64_t>()[i] = i;
  EXPECT_EQ(text(cube),
            "tensor([[[0, 1],\n"
            "         [2, 3]],\n"
            "        [[4, 5],\n"
            "         [6, 7]]], shape=[2, 2, 2], dtype=int64)");
}

TEST(TensorTest, PrintsLongAxesSummarizedWithEllipsis) {
  EXPECT_EQ(text(arange(8, DType::i64)), "tensor([0, 1, 2, 3, 4, 5, 6, 7], shape=[8], dtype=int64)");
  EXPECT_EQ(text(arange(9, DType::i64)), "tensor([0, 1, 2, ..., 6, 7, 8], shape=[9], dtype=int64)");
  EXPECT_EQ(text(arange(1000)),
            "tensor([   0.0000,    1.0000,    2.0000, ...,  997.0000,  998.0000,  999.0000], shape=[1000], "
            "dtype=float32)");
}

TEST(TensorTest, PrintsLargeMatrixSummarizedOnBothAxes) {
  EXPECT_EQ(text(grid(10, 12)),
            "tensor([[0, 1, 2, ..., 9, 10, 11],\n"
            "        [10, 11, 12, ..., 19, 20, 21],\n"
            "        [20, 21, 22, ..., 29, 30, 31],\n"
            "        ...,\n"
            "        [70, 71, 72, ..., 79, 80, 81],\n"
            "        [80, 81, 82, ..., 89, 90, 91],\n"
            "        [90, 91, 92, ..., 99, 100, 101]], shape=[10, 12], dtype=int64)");
}

TEST(TensorTest, PrintingMarksTensorsThatRequireGrad) {
  Tensor w = tensor({1});
  w.set_requires_grad();
  EXPECT_EQ(text(w), "tensor([   1.0000], shape=[1], dtype=float32, requires_grad)");
}

}  // namespace
}  // namespace soma
