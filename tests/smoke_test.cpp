#include <gtest/gtest.h>
#include <soma/soma.h>
using namespace soma;
TEST(Smoke, AddBackward) {
  Tensor a = tensor({1, 2, 3}).set_requires_grad();
  Tensor b = tensor({4, 5, 6});
  Tensor y = sum(a * b);
  y.backward();
  EXPECT_DOUBLE_EQ(y.item(), 32);
  EXPECT_DOUBLE_EQ(a.grad().at({1}), 5);
}

#include "support/gradcheck.h"
TEST(Smoke, GradcheckSigmoidLinear) {
  using test::random64;
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return sigmoid(linear(in[0], in[1], in[2])); },
                                 {random64({3, 4}, 1), random64({2, 4}, 2), random64({2}, 3)}));
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return softmax(in[0] * in[1], 0); },
                                 {random64({3, 4}, 1), random64({4}, 2)}));
}
