// conv-micro: times conv2d forward + backward (input, weight and bias gradients, as in
// training) on the conv layers of BENCHMARKS.md's B3 and B5, for soma's op (oneDNN where it
// is faster) and for the im2col + GEMM kernels alone. Prints one line per shape and path:
// milliseconds per forward + backward: the best and the median of repetitions (on a busy
// machine the best is the closer estimate of the uncontended speed). Compare with conv_micro.py
// (PyTorch) run right after with the same --threads. Also B3's max pooling layers. Not a
// unit test; numbers vary with the machine's load.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/im2col.h"
#include "soma/autograd/node.h"
#include "soma/soma.h"
#include "soma/ops/conv.h"

using namespace soma;

namespace {

struct Case {
  const char* name;
  std::int64_t N, C, H, W, O, k, stride, pad;
  bool input_grad;  // false for a network's first layer, whose input is data
};

const Case kCases[] = {
    {"B3 conv1 1->32 3x3 p1 28x28", 64, 1, 28, 28, 32, 3, 1, 1, false},
    {"B3 conv2 32->64 3x3 p1 14x14", 64, 32, 14, 14, 64, 3, 1, 1, true},
    {"B5 conv1 1->16 5x5 s2 40x90", 128, 1, 40, 90, 16, 5, 2, 0, false},
    {"B5 conv2 16->32 5x5 s2 18x43", 128, 16, 18, 43, 32, 5, 2, 0, true},
    {"B5 conv3 32->32 5x5 s2 7x20", 128, 32, 7, 20, 32, 5, 2, 0, true},
};

struct Timing {
  double best, median;  // ms per step
  double faults;        // minor page faults per step: ~0 when the steady state reuses its memory
};

// Forward, then the op's own backward node with gy as its output gradient: the gradients a
// training step computes (a network hands the node a fresh gradient from the next layer).
// NOTE: not y.backward(gy): the engine copies a seed gradient that the caller still holds,
// which would add a full copy of gy to every step here and in no real network.
template <class Forward>
void forward_backward(Forward forward, const Tensor& gy) {
  const Tensor y = forward();
  autograd::Node* node = autograd::node_of(y);
  std::vector<Tensor> slots(node->next.size());
  autograd::Grads grads(slots.data(), node->next.data(), slots.size());
  node->backward(gy, grads);
}

long minor_faults() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

template <class F>
Timing time_ms(F step, int reps, int iters) {
  for (int i = 0; i < 3; ++i) step();  // warm-up: primitives built, buffers cached
  std::vector<double> ms;
  const long faults = minor_faults();
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / iters);
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2], double(minor_faults() - faults) / (reps * iters)};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, reps = 15, iters = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--iters")) iters = std::atoi(argv[i + 1]);
  }
  set_num_threads(threads);
  Generator gen(1);
  for (const Case& c : kCases) {
    const std::int64_t OH = (c.H + 2 * c.pad - c.k) / c.stride + 1, OW = (c.W + 2 * c.pad - c.k) / c.stride + 1;
    Tensor x = uniform({c.N, c.C, c.H, c.W}, -1, 1, gen);
    Tensor w = uniform({c.O, c.C, c.k, c.k}, -0.1, 0.1, gen);
    Tensor b = uniform({c.O}, -0.1, 0.1, gen);
    Tensor gy = uniform({c.N, c.O, OH, OW}, -1, 1, gen);
    if (c.input_grad) x.set_requires_grad();
    w.set_requires_grad();
    b.set_requires_grad();
    const Conv2dParams params{.stride = c.stride, .padding = c.pad};
    const Timing op = time_ms(
        [&] { forward_backward([&] { return conv2d(x, w, b, params); }, gy); }, reps, iters);
    const Timing fwd = time_ms([&] { NoGradGuard no_grad; conv2d(x, w, b, params); }, reps, iters);

    // The im2col + GEMM kernels alone, with the same buffers the op would take.
    kernels::ConvShape s;
    s.N = c.N;
    s.O = c.O;
    s.g = {.C = c.C, .H = c.H, .W = c.W, .kH = c.k, .kW = c.k, .stride_h = c.stride, .stride_w = c.stride,
           .pad_top = c.pad, .pad_left = c.pad, .OH = OH, .OW = OW};
    Tensor y({c.N, c.O, OH, OW}, DType::f32), gx(x.shape(), DType::f32), gw(w.shape(), DType::f32), gb(Shape{c.O}, DType::f32);
    const Timing gemm = time_ms(
        [&] {
          Tensor fws(Shape{kernels::conv_forward_workspace(s)}, DType::f32);
          kernels::conv2d_forward<float>(s, x.data<float>(), w.data<float>(), b.data<float>(), y.data<float>(),
                                         fws.data<float>());
          Tensor bws(Shape{kernels::conv_backward_workspace(s, true, true)}, DType::f32);
          kernels::conv2d_backward<float>(s, x.data<float>(), w.data<float>(), gy.data<float>(),
                                          c.input_grad ? gx.data<float>() : nullptr, gw.data<float>(),
                                          gb.data<float>(), bws.data<float>());
        },
        reps, iters);
    std::printf("%-30s threads %d  soma fwd+bwd best %7.3f median %7.3f ms  fwd best %7.3f  im2col+gemm fwd+bwd best "
                "%7.3f  (page faults per step %.1f)\n",
                c.name, threads, op.best, op.median, fwd.best, gemm.best, op.faults);
  }
  // B3's max pooling layers (2x2, stride 2) after each convolution.
  const Shape pools[] = {{64, 32, 28, 28}, {64, 64, 14, 14}};
  for (const Shape& shape : pools) {
    Tensor x = uniform(shape, -1, 1, gen);
    x.set_requires_grad();
    const Tensor gy = uniform({shape[0], shape[1], shape[2] / 2, shape[3] / 2}, -1, 1, gen);
    const Timing pool = time_ms(
        [&] { forward_backward([&] { return max_pool2d(x, 2); }, gy); }, reps, iters);
    std::printf("B3 max_pool2d(2) %-13s threads %d  soma fwd+bwd best %7.3f median %7.3f ms\n", shape.str().c_str(),
                threads, pool.best, pool.median);
  }
}
