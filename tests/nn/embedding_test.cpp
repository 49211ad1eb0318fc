// Tests of nn::Embedding (ops/embedding.h) and nn::TimeDistributed: lookup values, gradients
// of repeated ids (they add), padding_idx (zero row, no gradient, negative from the end),
// gradcheck of the table, errors naming the layer; TimeDistributed matches the layer applied
// per step.
#include <gtest/gtest.h>

#include "ops/op_test_util.h"
#include "soma/core/factory.h"
#include "soma/nn/conv.h"
#include "soma/nn/dense.h"
#include "soma/nn/embedding.h"
#include "soma/nn/time_distributed.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/embedding.h"
#include "soma/ops/reduction.h"
#include "soma/ops/view.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace soma {
namespace {

using test::gradcheck;
using test::random64;
using test::throws_error_with;
using test::values;

Tensor ids(std::vector<double> v, Shape shape) { return from_data(v, shape).to(DType::i64); }

TEST(Embedding, LooksUpRowsAndAddsGradientsOfRepeatedIds) {
  const Tensor table = random64({4, 3});
  Tensor w = table.copy();
  w.set_requires_grad();
  const Tensor y = embedding(ids({2, 0, 2, 3}, {2, 2}), w);
  ASSERT_EQ(y.shape(), (Shape{2, 2, 3}));
  const std::vector<double> t = values(table), out = values(y);
  const int picked[] = {2, 0, 2, 3};
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(out[k * 3 + j], t[picked[k] * 3 + j]);
  sum(y * 2.0).backward();
  EXPECT_EQ(values(w.grad()), (std::vector<double>{2, 2, 2, 0, 0, 0, 4, 4, 4, 2, 2, 2}));
}

TEST(Embedding, PaddingRowGetsNoGradient) {
  for (std::int64_t pad : {1, -3}) {  // -3 of 4 rows is row 1
    Tensor w = random64({4, 2});
    w.set_requires_grad();
    sum(embedding(ids({1, 0, 1}, {3}), w, pad)).backward();
    EXPECT_EQ(values(w.grad()), (std::vector<double>{1, 1, 0, 0, 0, 0, 0, 0}));
  }
}

// Without padding_idx: the padding row's value is used but deliberately gets no gradient.
TEST(Embedding, Gradcheck) {
  const Tensor i = ids({0, 3, 3, 1, 4, 0}, {2, 3});
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return embedding(i, in[0]); }, {random64({5, 3})}));
}

TEST(Embedding, LayerInitAndPadding) {
  Generator gen(2);
  nn::Embedding emb({.num_embeddings = 6, .embedding_dim = 4, .padding_idx = 2}, gen);
  EXPECT_EQ(emb.named_parameters()[0].first, "weight");
  EXPECT_EQ(emb.weight().shape(), (Shape{6, 4}));
  for (std::int64_t j = 0; j < 4; ++j) EXPECT_EQ(emb.weight().at({2, j}), 0.0);
  const Tensor y = emb(ids({2, 5}, {1, 2}));
  EXPECT_EQ(y.shape(), (Shape{1, 2, 4}));
  EXPECT_EQ(y.at({0, 0, 3}), 0.0);
  EXPECT_EQ(y.at({0, 1, 1}), emb.weight().at({5, 1}));
}

TEST(Embedding, ErrorsNameTheLayerAndTheIndex) {
  nn::Embedding emb(5, 3);
  EXPECT_TRUE(throws_error_with([&] { emb(ids({1, 5}, {2})); }, {"Embedding(5, 3)", "index 5", "[0, 5)"}));
  EXPECT_TRUE(throws_error_with([&] { emb(ids({-1}, {1})); }, {"Embedding(5, 3)", "index -1"}));
  EXPECT_TRUE(throws_error_with([&] { emb(random64({2})); }, {"Embedding(5, 3)", "int64"}));
  EXPECT_TRUE(throws_error_with([] { nn::Embedding({.num_embeddings = 5, .embedding_dim = 3, .padding_idx = 5}); },
                                {"Embedding", "padding_idx 5"}));
}

TEST(TimeDistributed, AppliesTheLayerAtEveryStep) {
  Generator gen(4);
  nn::Dense dense(3, 2, gen);
  const Tensor x = random64({2, 5, 3}).to(DType::f32);
  // Dense already works on the last axis: a per-step Dense needs no wrapper.
  const Tensor direct = dense(x);
  nn::TimeDistributed td(dense);
  EXPECT_EQ(td.named_parameters()[0].first, "layer.weight");
  const Tensor wrapped = td(x);
  EXPECT_EQ(wrapped.shape(), (Shape{2, 5, 2}));
  EXPECT_EQ(values(wrapped), values(direct));

  nn::TimeDistributed conv(nn::Conv2d({.in = 1, .out = 2, .kernel = 3}));
  EXPECT_EQ(conv(zeros({2, 4, 1, 5, 5})).shape(), (Shape{2, 4, 2, 3, 3}));
  EXPECT_TRUE(throws_error_with([&] { td(zeros({2, 3})); }, {"TimeDistributed(Dense)", "[2, 3]"}));
}

}  // namespace
}  // namespace soma
