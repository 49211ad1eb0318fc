// A character-level LSTM language model on the King James Bible (Debian's bible-kjv; the
// project's set-up extracts its 4.3 MB text to third_party/kjv/kjv.txt). Embedding -> LSTM ->
// Dense at every step predicts the next character. Training is truncated backpropagation
// through time: the training text is cut into 32 parallel streams, each iteration takes the
// next 64 characters of every stream, and a stateful LSTM carries its state (detached) from
// one chunk to the next. Reports the validation loss (nats per character) after each epoch
// and samples text with a temperature.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <soma/data/locate.h>
#include <soma/soma.h>
#include <sstream>
#include <string>
#include <vector>

using namespace soma;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("char_lstm: cannot read " + path +
                " (run scripts/install-deps.sh, which installs bible-kjv and extracts the text there, or pass --text)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// [streams, steps] ids (inputs) and the next characters (targets) at offset `at` of each stream.
std::pair<Tensor, Tensor> chunk(const std::vector<std::int64_t>& ids, std::int64_t streams, std::int64_t stream_len,
                                std::int64_t at, std::int64_t steps) {
  Tensor x(Shape{streams, steps}, DType::i64), y(Shape{streams, steps}, DType::i64);
  for (std::int64_t s = 0; s < streams; ++s)
    for (std::int64_t t = 0; t < steps; ++t) {
      const std::int64_t k = s * stream_len + at + t;
      x.data<std::int64_t>()[s * steps + t] = ids[k];
      y.data<std::int64_t>()[s * steps + t] = ids[k + 1];
    }
  return {x, y};
}

struct Model {
  nn::Embedding embed;
  nn::LSTM lstm;
  nn::Dense head;
  Tensor operator()(const Tensor& ids) { return head(lstm(embed(ids))); }
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p = embed.parameters();
    for (const Tensor& t : lstm.parameters()) p.push_back(t);
    for (const Tensor& t : head.parameters()) p.push_back(t);
    return p;
  }
};

// Mean loss in nats per character over `ids`, read as `streams` parallel streams (no grad).
double evaluate(Model& m, const std::vector<std::int64_t>& ids, std::int64_t streams, std::int64_t steps) {
  NoGradGuard no_grad;
  const std::int64_t stream_len = (std::int64_t(ids.size()) - 1) / streams;
  m.lstm.reset_states();
  double total = 0;
  std::int64_t count = 0;
  for (std::int64_t at = 0; at + steps <= stream_len; at += steps) {
    auto [x, y] = chunk(ids, streams, stream_len, at, steps);
    total += sequence_cross_entropy(m(x), y, {.reduction = Reduction::sum}).item();
    count += streams * steps;
  }
  m.lstm.reset_states();
  return total / double(count);
}

std::string sample(Model& m, const data::CharVocabulary& vocab, const std::string& prompt, int length,
                   double temperature, Generator& gen) {
  NoGradGuard no_grad;
  m.lstm.reset_states();
  std::vector<std::int64_t> ids = vocab.encode(prompt);
  Tensor logits = m(from_data(ids, {1, std::int64_t(ids.size())}));  // the prompt sets the state
  std::string out = prompt;
  for (int k = 0; k < length; ++k) {
    const std::int64_t T = logits.size(1);
    const Tensor last = reshape(slice(logits, 1, T - 1, T), {vocab.size()});
    const std::int64_t next = data::sample_token(last, {.temperature = temperature}, gen);
    out.push_back(vocab.token(next));
    logits = m(from_data(std::vector<std::int64_t>{next}, {1, 1}));
  }
  m.lstm.reset_states();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A character-level LSTM language model on the King James Bible, trained with truncated BPTT;\n"
               "prints the validation loss per epoch (nats per character) and samples text."};
  std::string path, prompt = "And God said";
  std::int64_t train_chars = 1'000'000, valid_chars = 100'000, streams = 32, steps = 64, hidden = 256, embed = 64;
  int epochs = 3, sample_length = 400;
  double lr = 2e-3, clip = 5, temperature = 0.7;
  std::uint64_t seed = 0;
  app.add_option("--text", path, "The text file (default: the King James Bible where data::locate_dataset finds it)");
  app.add_option("--train-chars", train_chars, "Characters of training text (from the start)")->capture_default_str();
  app.add_option("--valid-chars", valid_chars, "Characters of validation text (from the end)")->capture_default_str();
  app.add_option("--epochs", epochs, "Passes over the training text")->capture_default_str();
  app.add_option("--streams", streams, "Parallel streams (the batch)")->capture_default_str();
  app.add_option("--steps", steps, "Truncated-BPTT length k (characters per chunk)")->capture_default_str();
  app.add_option("--hidden", hidden, "LSTM hidden units")->capture_default_str();
  app.add_option("--embed", embed, "Embedding size")->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", clip, "Gradient-norm clipping")->capture_default_str();
  app.add_option("--temperature", temperature, "Sampling temperature")->capture_default_str();
  app.add_option("--sample", sample_length, "Characters to sample after each epoch")->capture_default_str();
  app.add_option("--prompt", prompt, "Text the samples start from")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the initialization and the sampling")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once in a log
  std::printf("%s\n\n", app.get_description().c_str());
  try {
    if (path.empty()) path = data::locate_dataset("kjv-text");  // its error says where it looked
    const std::string text = read_file(path);
    SOMA_CHECK(train_chars + valid_chars <= std::int64_t(text.size()), "char_lstm: ", path, " has ", text.size(),
               " characters, fewer than --train-chars + --valid-chars = ", train_chars + valid_chars);
    const data::CharVocabulary vocab(text);
    const std::vector<std::int64_t> all = vocab.encode(text);
    const std::vector<std::int64_t> train(all.begin(), all.begin() + train_chars);
    const std::vector<std::int64_t> valid(all.end() - valid_chars, all.end());
    std::printf("%s: %zu characters, vocabulary %lld; training on the first %lld, validating on the last %lld\n",
                path.c_str(), text.size(), (long long)vocab.size(), (long long)train_chars, (long long)valid_chars);

    Generator gen(seed);
    const std::int64_t V = vocab.size();
    Model m{nn::Embedding(V, embed, gen),
            nn::LSTM({.input_size = embed, .hidden_size = hidden, .stateful = true}, gen),
            nn::Dense(hidden, V, gen)};
    optim::Adam opt(m.parameters(), {.lr = lr});
    std::printf("model: Embedding(%lld, %lld) -> LSTM(%lld) -> Dense(%lld), %lld parameters; Adam %g, clip %g, "
                "%lld streams x %lld steps\n\n",
                (long long)V, (long long)embed, (long long)hidden, (long long)V, (long long)(
                    m.embed.parameter_count() + m.lstm.parameter_count() + m.head.parameter_count()),
                lr, clip, (long long)streams, (long long)steps);
    const std::int64_t stream_len = (train_chars - 1) / streams;
    const auto start = std::chrono::steady_clock::now();
    double valid_loss = evaluate(m, valid, streams, steps);
    std::printf("before training: validation loss %.4f nats/char\n", valid_loss);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      m.lstm.reset_states();
      double sum = 0;
      std::int64_t chunks = 0;
      for (std::int64_t at = 0; at + steps <= stream_len; at += steps) {
        auto [x, y] = chunk(train, streams, stream_len, at, steps);
        Tensor loss = sequence_cross_entropy(m(x), y);  // the carried state enters detached
        opt.zero_grad();
        loss.backward();
        optim::clip_grad_norm(m.parameters(), clip);
        opt.step();
        sum += loss.item();
        ++chunks;
      }
      valid_loss = evaluate(m, valid, streams, steps);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d: training loss %.4f, validation loss %.4f nats/char  (%.0f s, %.0f chars/s)\n", epoch,
                  sum / double(chunks), valid_loss, seconds,
                  double(epoch) * double(chunks * streams * steps) / seconds);
      std::printf("  sample (temperature %g): %s\n\n", temperature,
                  sample(m, vocab, prompt, sample_length, temperature, gen).c_str());
    }
    std::printf("final validation loss %.4f\n", valid_loss);
  } catch (const Error& e) {
    std::fprintf(stderr, "char_lstm: %s\n", e.what());
    return 1;
  }
}
