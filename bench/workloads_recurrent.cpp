// B4 lstm (shared/BENCHMARKS.md): synthetic character sequences, one-hot vocab 96 -> LSTM(256)
// -> Dense 96 at every step, cross-entropy summed over the 64 steps (averaged over the 32
// sequences), full BPTT, Adam 2e-3: tokens_per_s. The one-hot batches are built before the
// stopwatch starts (data in memory); bench/torch_ref.py runs the same in PyTorch.
#include <soma/soma.h>

#include <cstdint>
#include <vector>

#include "bench.h"

namespace soma::bench {

Result run_lstm(const Options&) {
  constexpr std::int64_t kBatch = 32, kSteps = 64, kVocab = 96, kHidden = 256, kPool = 8;
  constexpr int kIterations = 20;
  Generator data_gen(1);
  std::vector<Tensor> inputs, targets;
  for (std::int64_t p = 0; p < kPool; ++p) {  // random text: x_t one-hot, target the next character
    Tensor x = zeros({kBatch, kSteps, kVocab}), y(Shape{kBatch, kSteps}, DType::i64);
    std::vector<std::int64_t> text(kSteps + 1);
    for (std::int64_t n = 0; n < kBatch; ++n) {
      for (auto& c : text) c = std::int64_t(data_gen.below(kVocab));
      for (std::int64_t t = 0; t < kSteps; ++t) {
        x.data<float>()[(n * kSteps + t) * kVocab + text[t]] = 1;
        y.data<std::int64_t>()[n * kSteps + t] = text[t + 1];
      }
    }
    inputs.push_back(x);
    targets.push_back(y);
  }
  double final_loss = 0;
  auto train = [&] {
    Generator gen(0);
    nn::LSTM lstm({.input_size = kVocab, .hidden_size = kHidden}, gen);
    nn::Dense head(kHidden, kVocab, gen);
    std::vector<Tensor> params = lstm.parameters();
    for (const Tensor& p : head.parameters()) params.push_back(p);
    optim::Adam opt(params, {.lr = 2e-3});
    Tensor loss;
    const double start = now_s();
    for (int i = 0; i < kIterations; ++i) {
      const Tensor logits = head(lstm(inputs[i % kPool]));
      loss = sequence_cross_entropy(logits, targets[i % kPool], {.reduction = Reduction::sum}) * (1.0 / kBatch);
      loss.backward();
      opt.step();
      opt.zero_grad();
    }
    const double seconds = now_s() - start;
    final_loss = loss.item();
    return double(kIterations * kBatch * kSteps) / seconds;
  };
  Result r{.metric = "tokens_per_s", .value = median_of_repetitions(train)};
  r.extra = {{"iterations", kIterations}, {"final_loss", final_loss}};
  return r;
}

}  // namespace soma::bench
