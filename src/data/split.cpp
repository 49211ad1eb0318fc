// Subset and random splits. The fraction rule (floor, then the remainder one each to the first
// parts) is PyTorch's torch.utils.data.random_split, so split sizes match what users know;
// the order itself comes from soma's Generator and differs from torch.randperm.
#include "soma/data/split.h"

#include <cmath>

#include "soma/core/permutation.h"

namespace soma::data {

Subset::Subset(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  SOMA_CHECK(dataset_, "Subset: the dataset is null");
  const std::int64_t n = dataset_->size();
  for (std::size_t k = 0; k < indices_.size(); ++k)
    SOMA_CHECK(indices_[k] >= 0 && indices_[k] < n, "Subset: index ", indices_[k], " (position ", k,
               ") is out of range for a dataset of ", n, " examples");
}

Batch Subset::get(std::span<const std::int64_t> indices) const {
  std::vector<std::int64_t> parent(indices.size());
  const std::int64_t n = size();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    SOMA_CHECK(indices[k] >= 0 && indices[k] < n, "Subset::get: index ", indices[k], " (position ", k,
               ") is out of range for ", n, " examples");
    parent[k] = indices_[std::size_t(indices[k])];
  }
  return dataset_->get(parent);
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                  const std::vector<double>& lengths, std::uint64_t seed) {
  SOMA_CHECK(dataset, "random_split: the dataset is null");
  SOMA_CHECK(!lengths.empty(), "random_split: no lengths given");
  const std::int64_t n = dataset->size();
  double sum = 0;
  for (double l : lengths) {
    SOMA_CHECK(l >= 0 && std::isfinite(l), "random_split: lengths must be non-negative, got ", l);
    sum += l;
  }

  std::vector<std::int64_t> counts;
  if (std::abs(sum - 1) <= 1e-9 && sum <= 1) {
    std::int64_t assigned = 0;
    for (double f : lengths) {
      counts.push_back(std::int64_t(std::floor(f * double(n))));
      assigned += counts.back();
    }
    for (std::int64_t i = 0; assigned < n; ++i, ++assigned) ++counts[std::size_t(i) % counts.size()];
  } else {
    std::int64_t total = 0;
    for (double l : lengths) {
      SOMA_CHECK(std::trunc(l) == l, "random_split: ", l, " is neither a count (a whole number) nor ",
                 "part of fractions summing to 1");
      SOMA_CHECK(l <= double(n), "random_split: count ", l, " exceeds the dataset's ", n, " examples");
      counts.push_back(std::int64_t(l));
      total += counts.back();
    }
    SOMA_CHECK(total == n, "random_split: the counts sum to ", total, " but the dataset holds ", n,
               " examples");
  }

  Generator gen(seed);
  const std::vector<std::int64_t> order = random_permutation(n, gen);
  std::vector<std::shared_ptr<Subset>> parts;
  std::int64_t begin = 0;
  for (std::int64_t c : counts) {
    parts.push_back(std::make_shared<Subset>(
        dataset, std::vector<std::int64_t>(order.begin() + begin, order.begin() + begin + c)));
    begin += c;
  }
  return parts;
}

TrainValidation train_validation_split(std::shared_ptr<const Dataset> dataset, double validation_fraction,
                                       std::uint64_t seed) {
  SOMA_CHECK(validation_fraction >= 0 && validation_fraction <= 1,
             "train_validation_split: validation_fraction must be in [0, 1], got ", validation_fraction);
  auto parts = random_split(std::move(dataset), {1 - validation_fraction, validation_fraction}, seed);
  return {parts[0], parts[1]};
}

}  // namespace soma::data
