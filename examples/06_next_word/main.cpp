// Next-word prediction on the lecture's corpus "Steven saw Mark. Mark saw John. John saw
// Steven." (vocabulary Steven, Mark, John, saw, .): an embedding, a recurrent layer and a
// per-step Dense predict each next word from the words so far, trained with full BPTT over
// the whole text. Trained once with a vanilla RNN and once with an LSTM; prints each model's
// predicted continuations and the text it generates from "Steven", which must be the corpus.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

const std::vector<std::string> kVocabulary = {"Steven", "Mark", "John", "saw", "."};

// The corpus as word ids: words split at spaces, the full stop its own word.
std::vector<std::int64_t> tokenize(const std::string& text) {
  std::vector<std::int64_t> ids;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    std::int64_t id = 0;
    while (id < std::int64_t(kVocabulary.size()) && kVocabulary[id] != word) ++id;
    if (id == std::int64_t(kVocabulary.size())) throw Error("next_word: '" + word + "' is not in the vocabulary");
    ids.push_back(id);
    word.clear();
  };
  for (char ch : text) {
    if (ch == ' ' || ch == '.') flush();
    if (ch == '.') word = ".";
    if (ch == '.') flush();
    if (ch != ' ' && ch != '.') word += ch;
  }
  flush();
  return ids;
}

std::string join(const std::vector<std::int64_t>& ids) {
  std::string s;
  for (std::int64_t id : ids) s += (s.empty() || kVocabulary[id] == "." ? "" : " ") + kVocabulary[id];
  return s;
}

Tensor ids_tensor(const std::vector<std::int64_t>& ids) {
  Tensor t(Shape{1, std::int64_t(ids.size())}, DType::i64);
  std::copy(ids.begin(), ids.end(), t.data<std::int64_t>());
  return t;
}

// The most likely next word after each prefix of `ids` (one forward pass: the layer is causal).
std::vector<std::int64_t> predict(nn::Sequential& net, const std::vector<std::int64_t>& ids) {
  NoGradGuard no_grad;
  const Tensor next = argmax(net(ids_tensor(ids)), -1);
  return {next.data<std::int64_t>(), next.data<std::int64_t>() + next.numel()};
}

// Trains one model on the corpus and reports; returns whether it reproduces the corpus exactly.
bool run(const char* kind, const std::vector<std::int64_t>& corpus, int steps, int hidden, double lr,
         std::uint64_t seed) {
  Generator gen(seed);
  const std::int64_t V = kVocabulary.size(), E = 8;
  const nn::RecurrentOptions rec{.input_size = E, .hidden_size = hidden};
  nn::Sequential net;
  net.push_back(nn::Embedding(V, E, gen));
  if (std::string(kind) == "LSTM") net.push_back(nn::LSTM(rec, gen));
  else net.push_back(nn::RNN(rec, gen));
  net.push_back(nn::Dense(hidden, V, gen));
  optim::Adam opt(net.parameters(), {.lr = lr});

  // Inputs: the corpus; targets: the word that follows each one (the text read as a loop, so
  // the final full stop is followed by the first word again).
  std::vector<std::int64_t> next(corpus.begin() + 1, corpus.end());
  next.push_back(corpus.front());
  const Tensor x = ids_tensor(corpus), y = ids_tensor(next);
  const auto start = std::chrono::steady_clock::now();
  double loss_value = 0;
  for (int step = 0; step < steps; ++step) {
    Tensor loss = sequence_cross_entropy(net(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_value = loss.item();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: Embedding(%lld, %lld) -> %s(%d) -> Dense(%d, %lld), %lld parameters; %d Adam steps (lr %g) in "
              "%.2f s, final loss %.5f\n",
              kind, (long long)V, (long long)E, kind, hidden, hidden, (long long)V, (long long)net.parameter_count(),
              steps, lr, seconds, loss_value);

  const std::vector<std::int64_t> predicted = predict(net, corpus);
  for (std::size_t t = 0; t < corpus.size(); ++t) {
    const std::vector<std::int64_t> prefix(corpus.begin(), corpus.begin() + t + 1);
    std::printf("  %-50s -> %s%s\n", ("\"" + join(prefix) + "\"").c_str(), kVocabulary[predicted[t]].c_str(),
                predicted[t] == next[t] ? "" : "  (wrong)");
  }
  // Greedy generation from the first word, feeding back each prediction.
  std::vector<std::int64_t> text{corpus.front()};
  while (text.size() < corpus.size()) text.push_back(predict(net, text).back());
  const bool exact = text == corpus;
  std::printf("  generated from \"%s\": %s  [%s]\n\n", kVocabulary[corpus.front()].c_str(), join(text).c_str(),
              exact ? "the corpus exactly" : "differs from the corpus");
  return exact;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Next-word prediction on \"Steven saw Mark. Mark saw John. John saw Steven.\" with an RNN and an\n"
               "LSTM (embedding -> recurrent layer -> Dense at every step, full BPTT, Adam)."};
  int steps = 300, hidden = 16;
  double lr = 0.01;
  std::uint64_t seed = 0;
  std::string text = "Steven saw Mark. Mark saw John. John saw Steven.";
  app.add_option("--steps", steps, "Adam steps on the whole corpus")->capture_default_str()->check(CLI::Range(0, 1000000));
  app.add_option("--hidden", hidden, "Hidden units of the recurrent layer")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  app.add_option("--seed", seed, "Seed of the weight initialization")->capture_default_str();
  app.add_option("--text", text, "The corpus (words from Steven, Mark, John, saw and full stops)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());
  try {
    const std::vector<std::int64_t> corpus = tokenize(text);
    std::printf("corpus: %s (%zu words)\n\n", join(corpus).c_str(), corpus.size());
    const bool rnn = run("RNN", corpus, steps, hidden, lr, seed);
    const bool lstm = run("LSTM", corpus, steps, hidden, lr, seed);
    std::printf("result: RNN %s, LSTM %s\n", rnn ? "exact" : "inexact", lstm ? "exact" : "inexact");
  } catch (const Error& e) {
    std::fprintf(stderr, "next_word: %s\n", e.what());
    return 1;
  }
}
