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
