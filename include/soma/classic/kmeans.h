// k-means (Lloyd 1957/1982) with k-means++ seeding (Arthur & Vassilvitskii 2007): the centres
// of an RBF layer (rbfn.h). Runs in float64 whatever the data's dtype.
#pragma once

#include <cstdint>

#include "soma/core/generator.h"
#include "soma/core/tensor.h"

namespace soma::classic {

struct KMeansOptions {
  std::int64_t k = 0;       ///< clusters (required, 1 <= k <= N)
  int iterations = 100;     ///< at most this many Lloyd iterations (>= 0); stops when no point moves
};

struct KMeansResult {
  Tensor centres;            ///< float64 [k, F]
  Tensor assignments;        ///< int64 [N], the nearest centre of each row
  double inertia = 0;        ///< Σ_i ‖x_i - c_assign(i)‖²
  int iterations = 0;        ///< Lloyd iterations run
};

/// Clusters the rows of x [N, F]: k-means++ draws the first centres from `gen`, then Lloyd's
/// iterations assign each row to its nearest centre and move each centre to its rows' mean (a
/// centre left without rows stays where it is). Throws soma::Error for x not [N > 0, F > 0]
/// float, k outside [1, N] or iterations < 0.
KMeansResult kmeans(const Tensor& x, const KMeansOptions& options, Generator& gen);

/// Squared distances ‖x_i - c_k‖² of x [N, F] to centres [K, F], float64 [N, K] (one GEMM),
/// clamped at 0. Throws soma::Error when the feature counts differ.
Tensor squared_distances(const Tensor& x, const Tensor& centres);

}  // namespace soma::classic
