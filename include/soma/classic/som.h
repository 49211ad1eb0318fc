// Som: Kohonen's self-organizing map (Kohonen 1982; "Self-Organizing Maps", 2001). Units on a
// rectangular or hexagonal grid each hold a prototype m_k [F]; a row x pulls its best-matching
// unit c = argmin_k ‖x - m_k‖ and c's grid neighbours toward it with the Gaussian
// neighbourhood h_ck = exp(-‖r_c - r_k‖² / (2σ²)); σ and the learning rate decay exponentially
// from their start to their end value as training progresses. Formulas: docs/classic.md.
#pragma once

#include <cstdint>
#include <string>

#include "soma/core/generator.h"
#include "soma/nn/module.h"

namespace soma::classic {

enum class SomTopology { rectangular, hexagonal };

/// "rectangular" or "hexagonal"; throws soma::Error naming both for another name.
SomTopology som_topology_from_name(const std::string& name);

struct SomOptions {
  std::int64_t rows = 10;      ///< grid rows (> 0)
  std::int64_t cols = 10;      ///< grid columns (> 0)
  std::int64_t features = 0;   ///< F, the length of a prototype (required, > 0)
  SomTopology topology = SomTopology::rectangular;  ///< hexagonal: odd rows shifted by half a unit
  double sigma_start = 0;      ///< neighbourhood radius at the start, in grid units; 0: max(rows, cols) / 2
  double sigma_end = 0.5;      ///< ... at the end (> 0)
  double lr_start = 0.5;       ///< online learning rate at the start (in (0, 1])
  double lr_end = 0.01;        ///< ... at the end (> 0)
};

/// A self-organizing map; the codebook [rows * cols, F] (float64, unit k at grid row k / cols,
/// column k % cols) is its buffer "codebook", drawn uniform in [0, 1] from `gen`.
/// forward(x) gives the squared distances of x [N, F] to every prototype, [N, units].
///   classic::Som som({.rows = 10, .cols = 10, .features = 784});
///   som.init_from_samples(x, gen);
///   for (int e = 0; e < epochs; ++e) som.train_online(x, double(e) / epochs, double(e + 1) / epochs);
/// Throws soma::Error for sizes <= 0, sigma_start < 0, sigma_end <= 0, lr outside (0, 1].
class Som : public nn::Module {
 public:
  explicit Som(const SomOptions& options, Generator& gen = default_generator());

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Som"; }
  /// [N, F] -> [N, units]; throws naming the layer otherwise.
  Shape output_shape(const Shape& input) const override;
  /// F * units multiply-adds per row (the distances).
  std::int64_t flops(const Shape& input) const override;

  const SomOptions& options() const { return options_; }
  std::int64_t units() const { return options_.rows * options_.cols; }
  const Tensor& codebook() const { return codebook_; }
  /// Grid positions [units, 2] (x, y): rectangular (col, row); hexagonal (col + ½(row odd),
  /// row √3/2), so every grid neighbour is at distance 1.
  Tensor positions() const;
  double sigma_at(double progress) const;  ///< σ_start (σ_end/σ_start)^progress, progress in [0, 1]
  double lr_at(double progress) const;     ///< lr_start (lr_end/lr_start)^progress

  /// Prototypes ← distinct random rows of x [N >= units, F] (N < units: rows repeat).
  void init_from_samples(const Tensor& x, Generator& gen);
  /// Best-matching unit of each row of x [N, F] -> int64 [N].
  Tensor best_matching_units(const Tensor& x) const;
  /// Online SOM: the rows of x in order, row i at progress begin + (end - begin) i / N:
  /// m_k += lr(t) h_ck(t) (x - m_k).
  void train_online(const Tensor& x, double progress_begin, double progress_end);
  /// Batch SOM (Kohonen's batch map) at one progress: every m_k ← Σ_i h_{c(i)k} x_i / Σ_i h_{c(i)k}
  /// with c(i) from the prototypes before the update (a unit no row reaches keeps its prototype).
  void train_batch(const Tensor& x, double progress);
  /// Mean ‖x_i - m_c(i)‖ over the rows of x.
  double quantization_error(const Tensor& x) const;
  /// Fraction of rows whose best and second-best units are not grid neighbours (distance 1).
  double topographic_error(const Tensor& x) const;
  /// U-matrix [rows, cols]: each unit's mean prototype distance to its grid neighbours.
  Tensor u_matrix() const;

 private:
  void check(const Tensor& x, const char* what) const;
  SomOptions options_;
  Tensor codebook_, positions_;
};

}  // namespace soma::classic
