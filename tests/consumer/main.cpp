// A first program with soma: a small network learns Fashion-MNIST's ten kinds of clothes, is
// saved, and states its test accuracy (docs/getting-started.md; tests/consumer builds it 4 ways).
#include <cstdio>
#include <soma/soma.h>
using namespace soma;

int main() {
  try {
    auto train = data::fashion_mnist("train");  // found at run time ("Data sets" below)
    auto test = data::fashion_mnist("test");
    auto part = data::random_split(train, {0.1, 0.9}, 0)[0];  // 6000 images: a quick first run
    manual_seed(0);
    nn::Sequential net{nn::Flatten(), nn::Dense(784, 128), nn::ReLU(), nn::Dense(128, 10)};
    optim::Adam opt(net.parameters(), {.lr = 1e-3});
    train::Trainer trainer(net, opt, loss::CrossEntropy());
    trainer.fit(part, {.epochs = 2, .batch_size = 64});
    io::save(net, "first_net.safetensors");
    std::printf("test accuracy %.4f\n", trainer.evaluate(test, 1000).accuracy);
  } catch (const Error& e) {
    std::fprintf(stderr, "first_net: %s\n", e.what());
    return 1;
  }
}
