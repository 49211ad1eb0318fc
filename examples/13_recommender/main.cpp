// Collaborative filtering with a restricted Boltzmann machine, as in the lecture: each user is
// one visible vector over the items, 1 = liked (rating >= 4), 0 = disliked (rating < 4), -1 =
// not rated (missing: left out of training). Some of each user's likes are held out; the RBM
// ranks each user's unrated items by p(v = 1 | p(h | v)), and the program counts how many
// held-out likes land in the user's top 10, against recommending the most-liked items.
// Ratings come from a CSV in MovieLens's format (--ratings) or, by default, are generated
// from stated latent genre factors (see README.md). The RBM trains under train::Loop, which
// writes a run folder (--run).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <map>
#include <numeric>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

struct Rating {
  std::int64_t user, item;
  double stars;
};

struct Ratings {
  std::int64_t users = 0, items = 0;
  std::vector<Rating> rows;
};

// The synthetic world: each item has one of `genres` genres and a quality; each user loves
// two genres and dislikes two others. A user rates `per_user` distinct items drawn with
// probability proportional to popularity 1 / (rank + 10)^0.8 (Zipf-like), times kLoved for
// an item of a loved genre and kDisliked for a disliked one (people watch what they expect to
// like); the rating is 3 + 1.2 (loved) or - 1.2 (disliked) + the item's quality N(0, 0.6²)
// + noise N(0, 0.7²), rounded and clipped to 1..5.
constexpr double kZipf = 0.8, kLoved = 6.0, kDisliked = 0.25;
Ratings synthetic_ratings(std::int64_t users, std::int64_t items, int genres, int per_user, Generator& gen) {
  std::vector<int> genre(static_cast<std::size_t>(items));
  std::vector<double> quality(static_cast<std::size_t>(items)), popularity(static_cast<std::size_t>(items));
  for (std::int64_t i = 0; i < items; ++i) {
    genre[i] = int(gen.below(std::uint64_t(genres)));
    quality[i] = 0.6 * gen.normal();
    popularity[i] = 1.0 / std::pow(double(i + 10), kZipf);
  }
  Ratings r{users, items, {}};
  std::vector<double> weight(static_cast<std::size_t>(items));
  for (std::int64_t u = 0; u < users; ++u) {
    std::vector<int> taste(std::size_t(genres), 0);  // +1 loved, -1 disliked
    std::vector<int> order(static_cast<std::size_t>(genres));
    std::iota(order.begin(), order.end(), 0);
    for (int g = genres - 1; g > 0; --g) std::swap(order[g], order[gen.below(std::uint64_t(g) + 1)]);
    taste[order[0]] = taste[order[1]] = 1;
    taste[order[2]] = taste[order[3]] = -1;
    for (std::int64_t i = 0; i < items; ++i) weight[i] = popularity[i] * (taste[genre[i]] > 0 ? kLoved : taste[genre[i]] < 0 ? kDisliked : 1.0);
    // per_user distinct items, each drawn with probability proportional to its weight.
    for (int n = 0; n < per_user; ++n) {
      const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
      double pick = gen.uniform() * total;
      std::int64_t i = 0;
      while (i + 1 < items && (pick -= weight[i]) >= 0) ++i;
      weight[i] = 0;
      const double stars = 3 + 1.2 * taste[genre[i]] + quality[i] + 0.7 * gen.normal();
      r.rows.push_back({u, i, std::clamp(std::round(stars), 1.0, 5.0)});
    }
  }
  return r;
}

// A MovieLens-style CSV (userId,movieId,rating[,timestamp], with a header): ids are mapped to
// 0..n-1 in order of first appearance.
Ratings read_ratings(const std::string& path) {
  const data::CsvData csv = data::read_csv(path);
  SOMA_CHECK(csv.x.dim() == 2 && csv.x.size(1) >= 3, "recommender: ", path,
             ": expected the columns user, item, rating (MovieLens: userId,movieId,rating,timestamp), found ",
             csv.x.size(1), " columns");
  std::map<double, std::int64_t> users, items;
  Ratings r;
  for (std::int64_t row = 0; row < csv.x.size(0); ++row) {
    const double u = csv.x.at({row, 0}), i = csv.x.at({row, 1});
    const auto [uu, new_user] = users.try_emplace(u, std::int64_t(users.size()));
    const auto [ii, new_item] = items.try_emplace(i, std::int64_t(items.size()));
    r.rows.push_back({uu->second, ii->second, csv.x.at({row, 2})});
  }
  r.users = std::int64_t(users.size());
  r.items = std::int64_t(items.size());
  return r;
}

// Indices of the `count` highest scores among the entries where allowed[i] is true.
std::vector<std::int64_t> top(const std::vector<double>& score, const std::vector<bool>& allowed, int count) {
  std::vector<std::int64_t> idx;
  for (std::size_t i = 0; i < score.size(); ++i)
    if (allowed[i]) idx.push_back(std::int64_t(i));
  const std::size_t k = std::min<std::size_t>(std::size_t(count), idx.size());
  std::partial_sort(idx.begin(), idx.begin() + std::ptrdiff_t(k), idx.end(),
                    [&](std::int64_t a, std::int64_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  idx.resize(k);
  return idx;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Recommends items with a restricted Boltzmann machine trained on users' likes (rating >= 4) and\n"
               "dislikes, unrated items left out, and compares its top 10 with the most-liked items on\n"
               "held-out likes."};
  std::string ratings_path, run = "recommender_run";
  std::int64_t users = 1000, items = 300;
  int genres = 10, per_user = 80, hidden = 64, epochs = 60, top_n = 10, threads = 0;
  std::int64_t batch_size = 16;
  double lr = 0.05, momentum = 0.5, weight_decay = 0.0005, holdout = 0.2;
  std::uint64_t seed = 0;
  app.add_option("--ratings", ratings_path, "CSV of ratings, MovieLens's format: userId,movieId,rating[,timestamp] "
                                            "with a header (default: generate them)");
  app.add_option("--users", users, "Synthetic data: users")->capture_default_str()->check(CLI::Range(std::int64_t(2), std::int64_t(1'000'000)));
  app.add_option("--items", items, "Synthetic data: items")->capture_default_str()->check(CLI::Range(std::int64_t(20), std::int64_t(1'000'000)));
  app.add_option("--genres", genres, "Synthetic data: latent genres")->capture_default_str()->check(CLI::Range(4, 1000));
  app.add_option("--per-user", per_user, "Synthetic data: ratings per user")->capture_default_str()->check(CLI::Range(2, 100'000));
  app.add_option("--hidden", hidden, "Hidden units of the RBM")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--epochs", epochs, "Passes over the users")->capture_default_str()->check(CLI::Range(0, 100'000));
  app.add_option("--batch-size", batch_size, "Users per CD update")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(1'000'000)));
  app.add_option("--lr", lr, "Learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--momentum", momentum, "Momentum, in [0, 1)")->capture_default_str()->check(CLI::Range(0.0, 0.999));
  app.add_option("--weight-decay", weight_decay, "L2 pull of W toward 0")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--holdout", holdout, "Fraction of each user's likes held out for the test")->capture_default_str()->check(CLI::Range(0.01, 0.9));
  app.add_option("--top", top_n, "Length of each user's recommendation list")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--seed", seed, "Seed of the synthetic data, the held-out split, the init and the samples")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--run", run, "Run folder for the training record")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    Generator gen(seed);
    const Ratings ratings = ratings_path.empty() ? synthetic_ratings(users, items, genres, per_user, gen)
                                                 : read_ratings(ratings_path);
    const std::int64_t U = ratings.users, I = ratings.items;
    if (ratings_path.empty())
      std::printf("synthetic ratings: %lld users x %lld items, %d genres, %d ratings per user (seed %llu)\n",
                  static_cast<long long>(U), static_cast<long long>(I), genres, per_user,
                  static_cast<unsigned long long>(seed));
    else
      std::printf("%s: %lld users x %lld items\n", ratings_path.c_str(), static_cast<long long>(U),
                  static_cast<long long>(I));

    // Binary likes, -1 where unrated; then hold out a share of each user's likes.
    Tensor v = full({U, I}, -1.0);
    float* p = v.data<float>();
    std::int64_t likes = 0;
    for (const Rating& r : ratings.rows) {
      p[r.user * I + r.item] = r.stars >= 4 ? 1.0f : 0.0f;
      likes += r.stars >= 4;
    }
    std::printf("%zu ratings, %lld likes (rating >= 4), %.1f%% of the matrix rated\n", ratings.rows.size(),
                static_cast<long long>(likes), 100.0 * double(ratings.rows.size()) / double(U * I));
    std::vector<std::vector<std::int64_t>> held(static_cast<std::size_t>(U));
    std::int64_t held_total = 0;
    for (std::int64_t u = 0; u < U; ++u) {
      std::vector<std::int64_t> liked;
      for (std::int64_t i = 0; i < I; ++i)
        if (p[u * I + i] == 1) liked.push_back(i);
      if (liked.size() < 2) continue;  // keep at least one like to learn the user from
      for (std::size_t j = liked.size() - 1; j > 0; --j) std::swap(liked[j], liked[gen.below(j + 1)]);
      const std::size_t n = std::max<std::size_t>(1, std::size_t(std::lround(holdout * double(liked.size()))));
      for (std::size_t j = 0; j < n && j + 1 < liked.size(); ++j) {
        held[u].push_back(liked[j]);
        p[u * I + liked[j]] = -1;
      }
      held_total += std::int64_t(held[u].size());
    }
    std::printf("held out %lld likes of %lld users\n", static_cast<long long>(held_total),
                static_cast<long long>(std::count_if(held.begin(), held.end(), [](auto& h) { return !h.empty(); })));

    generative::Rbm rbm({.visible = I, .hidden = hidden, .lr = lr, .momentum = momentum, .weight_decay = weight_decay},
                        gen);
    std::printf("RBM %lld x %d, CD-1, lr %g, momentum %g, weight decay %g, batch %lld, %d epochs\n",
                static_cast<long long>(I), hidden, lr, momentum, weight_decay, static_cast<long long>(batch_size),
                epochs);
    // fit_rbm runs the RBM under train::Loop; the run folder records its steps and epochs.
    std::filesystem::create_directories(run);
    auto folder = std::make_shared<train::RunFolderSink>(run);
    generative::fit_rbm(rbm, v, {.epochs = epochs, .batch_size = batch_size, .sinks = {folder}}, gen, [&](int epoch, double error) {
      if (epoch == 1 || epoch % 10 == 0 || epoch == epochs)
        std::printf("epoch %d: reconstruction error of the observed likes/dislikes %.4f\n", epoch, error);
    });

    // Scores: the RBM's p(v = 1 | p(h | v)) per user; the baseline's count of likes per item.
    const Tensor scores = rbm.reconstruct(v);
    std::vector<double> popularity(std::size_t(I), 0);
    for (std::int64_t u = 0; u < U; ++u)
      for (std::int64_t i = 0; i < I; ++i) popularity[i] += p[u * I + i] == 1;
    std::int64_t rbm_hits = 0, pop_hits = 0;
    for (std::int64_t u = 0; u < U; ++u) {
      if (held[u].empty()) continue;
      std::vector<bool> unseen(static_cast<std::size_t>(I));
      std::vector<double> score(static_cast<std::size_t>(I));
      for (std::int64_t i = 0; i < I; ++i) {
        unseen[i] = p[u * I + i] < 0;
        score[i] = scores.at({u, i});
      }
      auto hits = [&](const std::vector<std::int64_t>& list) {
        std::int64_t n = 0;
        for (std::int64_t i : list) n += std::count(held[u].begin(), held[u].end(), i);
        return n;
      };
      rbm_hits += hits(top(score, unseen, top_n));
      pop_hits += hits(top(popularity, unseen, top_n));
    }
    const double rbm_rate = double(rbm_hits) / double(std::max<std::int64_t>(held_total, 1));
    const double pop_rate = double(pop_hits) / double(std::max<std::int64_t>(held_total, 1));
    std::printf("held-out likes in the user's top %d: RBM %lld (%.1f%%), most-liked baseline %lld (%.1f%%)\n", top_n,
                static_cast<long long>(rbm_hits), 100 * rbm_rate, static_cast<long long>(pop_hits), 100 * pop_rate);
    char rates[64];
    std::snprintf(rates, sizeof rates, "RBM %.4f, baseline %.4f", rbm_rate, pop_rate);
    folder->set_summary({{"seed", std::to_string(seed)}, {"hit rate in the top " + std::to_string(top_n), rates}});
    folder->write_report();
    std::printf("wrote the run folder %s (steps.csv, metrics.csv, curves, report.md)\n", run.c_str());
    std::printf("hit rate RBM %.4f baseline %.4f ratio %.2f\n", rbm_rate, pop_rate, rbm_rate / std::max(pop_rate, 1e-12));
  } catch (const Error& e) {
    std::fprintf(stderr, "recommender: %s\n", e.what());
    return 1;
  }
}
