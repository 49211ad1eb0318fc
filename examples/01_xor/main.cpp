// XOR: the lecture's network (2 inputs, a hidden sigmoid layer, 1 sigmoid output) trained
// with full-batch gradient descent on the loss 1/2 sum (y - y_hat)^2.
#include <cstdio>
#include <soma/soma.h>

using namespace soma;

int main() {
  manual_seed(0);
  Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  Tensor y = tensor({0, 1, 1, 0}, {4, 1});
  nn::Sequential net{nn::Dense(2, 5), nn::Sigmoid(), nn::Dense(5, 1), nn::Sigmoid()};
  optim::SGD opt(net.parameters(), {.lr = 0.5});
  double cost = 0;
  for (int step = 0; step < 10000; ++step) {
    Tensor loss = 0.5 * mse_loss(net(x), y, Reduction::sum);
    loss.backward();
    opt.step();
    opt.zero_grad();
    cost = loss.item();
  }
  std::printf("%s\nfinal loss %.4f\n", "", cost);
}
