// classic::Som and SomLearner: grid positions, the decay schedules, one online and one batch
// update by hand, quantization and topographic errors and the U-matrix by hand, a map that
// orders itself on 2-D data (both rules), the learner under train::Loop, and argument errors.
#include "soma/classic/som.h"
#include "soma/classic/som_learner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "soma/core/factory.h"
#include "soma/data/dataset.h"
#include "soma/train/loop.h"

namespace soma {
namespace {

using classic::Som;

void set_codebook(Som& som, std::initializer_list<double> values) {
  double* m = som.codebook().data<double>();
  for (double v : values) *m++ = v;
}

TEST(Som, GridPositionsByHand) {
  Som rect({.rows = 2, .cols = 2, .features = 1}), hex({.rows = 2, .cols = 2, .features = 1, .topology = classic::SomTopology::hexagonal});
  const Tensor r = rect.positions(), h = hex.positions();
  EXPECT_EQ(r.at({3, 0}), 1.0);
  EXPECT_EQ(r.at({3, 1}), 1.0);
  EXPECT_EQ(h.at({2, 0}), 0.5);  // row 1 is shifted by half a unit
  EXPECT_NEAR(h.at({2, 1}), std::sqrt(3.0) / 2, 1e-15);
  EXPECT_NEAR(std::hypot(h.at({2, 0}) - h.at({1, 0}), h.at({2, 1}) - h.at({1, 1})), 1.0, 1e-12);  // diagonal neighbours
}

TEST(Som, DecaySchedulesByHand) {
  Som som({.rows = 4, .cols = 8, .features = 1, .sigma_end = 1, .lr_start = 0.5, .lr_end = 0.02});
  EXPECT_DOUBLE_EQ(som.sigma_at(0), 4.0);  // max(rows, cols) / 2
  EXPECT_DOUBLE_EQ(som.sigma_at(0.5), 2.0);
  EXPECT_DOUBLE_EQ(som.sigma_at(1), 1.0);
  EXPECT_DOUBLE_EQ(som.lr_at(0.5), 0.1);
  EXPECT_DOUBLE_EQ(som.lr_at(2), 0.02);
}

TEST(Som, OnlineUpdateByHand) {
  Som som({.rows = 1, .cols = 2, .features = 1, .sigma_start = 1, .sigma_end = 1, .lr_start = 0.5, .lr_end = 0.5});
  set_codebook(som, {0, 0.5});
  som.train_online(tensor({1}, {1, 1}, DType::f64), 0, 0);
  EXPECT_DOUBLE_EQ(som.codebook().at({1, 0}), 0.75);                           // the BMU: 0.5 + 0.5 (1 - 0.5)
  EXPECT_DOUBLE_EQ(som.codebook().at({0, 0}), 0.5 * std::exp(-0.5));          // its neighbour, h = e^{-1/2}
}

TEST(Som, BatchUpdateByHand) {
  Som som({.rows = 1, .cols = 2, .features = 1, .sigma_start = 1, .sigma_end = 1});
  set_codebook(som, {0, 2});
  som.train_batch(tensor({0, 0.8, 3}, {3, 1}, DType::f64), 0);  // unit 0 wins 0 and 0.8, unit 1 wins 3
  const double e = std::exp(-0.5);
  EXPECT_DOUBLE_EQ(som.codebook().at({0, 0}), (0.8 + e * 3) / (2 + e));
  EXPECT_DOUBLE_EQ(som.codebook().at({1, 0}), (e * 0.8 + 3) / (2 * e + 1));
}

TEST(Som, ErrorsAndUMatrixByHand) {
  Som som({.rows = 1, .cols = 3, .features = 1});
  set_codebook(som, {0, 5, 1});
  const Tensor x = tensor({0.4, 4.8}, {2, 1}, DType::f64);
  EXPECT_NEAR(som.quantization_error(x), (0.4 + 0.2) / 2, 1e-12);
  // 0.4: best unit 0, second unit 2, not neighbours; 4.8: units 1 and 2, neighbours.
  EXPECT_DOUBLE_EQ(som.topographic_error(x), 0.5);
  const Tensor u = som.u_matrix();
  EXPECT_DOUBLE_EQ(u.at({0, 0}), 5.0);
  EXPECT_DOUBLE_EQ(u.at({0, 1}), 4.5);
  EXPECT_DOUBLE_EQ(u.at({0, 2}), 4.0);
  const Tensor bmu = som.best_matching_units(x);
  EXPECT_EQ(bmu.data<std::int64_t>()[0], 0);
  EXPECT_EQ(bmu.data<std::int64_t>()[1], 1);
}

TEST(Som, OrdersItselfOnTheUnitSquare) {
  for (bool batch : {false, true}) {
    for (auto topology : {classic::SomTopology::rectangular, classic::SomTopology::hexagonal}) {
      Generator gen(9);
      const Tensor x = uniform({500, 2}, 0, 1, gen, DType::f64);
      Som som({.rows = 6, .cols = 6, .features = 2, .topology = topology, .sigma_start = 3, .sigma_end = 0.7}, gen);
      for (std::int64_t i = 0; i < 72; ++i) som.codebook().data<double>()[i] = 0.5;  // all at the centre: no order yet
      const double before = som.quantization_error(x);
      const int epochs = 20;
      for (int e = 0; e < epochs; ++e)
        batch ? som.train_batch(x, double(e) / (epochs - 1)) : som.train_online(x, double(e) / epochs, double(e + 1) / epochs);
      SCOPED_TRACE(std::string(batch ? "batch" : "online") + (topology == classic::SomTopology::hexagonal ? " hex" : " rect"));
      EXPECT_LT(som.quantization_error(x), 0.3 * before);  // before: ~0.38, the mean distance to the centre
      EXPECT_LT(som.quantization_error(x), 0.12);  // 36 units tile the square: cells of side ~1/6
      EXPECT_LT(som.topographic_error(x), 0.15);
    }
  }
}

TEST(SomLearner, TrainsUnderTheLoopAndKeepsItsStep) {
  Generator gen(3);
  const Tensor x = uniform({256, 2}, 0, 1, gen);
  Som som({.rows = 5, .cols = 5, .features = 2, .sigma_start = 2.5, .sigma_end = 0.7}, gen);
  for (std::int64_t i = 0; i < 50; ++i) som.codebook().data<double>()[i] = 0.5;
  const double before = som.quantization_error(x);
  classic::SomLearner learner(som, {.total_steps = 3 * 4});
  train::Loop loop(learner);
  const train::History history = loop.fit(std::make_shared<data::TensorDataset>(x), {.epochs = 3, .batch_size = 64});
  EXPECT_EQ(learner.steps_taken(), 12);
  EXPECT_LT(som.quantization_error(x), 0.5 * before);
  const auto state = learner.state_dict();
  classic::SomLearner other(som, {.total_steps = 12});
  other.load_state_dict(state);
  EXPECT_EQ(other.steps_taken(), 12);
  EXPECT_THROW(other.load_state_dict({{"steps", zeros({1}, DType::i64)}}), Error);
  EXPECT_THROW(learner.rows(zeros({4, 3})), Error);
}

TEST(Som, RejectsBadArguments) {
  EXPECT_THROW(Som({.rows = 0, .cols = 2, .features = 1}), Error);
  EXPECT_THROW(Som({.rows = 2, .cols = 2, .features = 0}), Error);
  EXPECT_THROW(Som({.rows = 2, .cols = 2, .features = 1, .lr_start = 1.5}), Error);
  EXPECT_THROW(Som({.rows = 2, .cols = 2, .features = 1, .sigma_end = 0}), Error);
  EXPECT_THROW(classic::som_topology_from_name("triangular"), Error);
  Som som({.rows = 2, .cols = 2, .features = 3});
  EXPECT_THROW(som.train_online(zeros({4, 2}), 0, 1), Error);
  EXPECT_THROW(som.output_shape({4, 2}), Error);
  EXPECT_THROW(classic::SomLearner(som, {.total_steps = 0}), Error);
  EXPECT_THROW(classic::SomLearner(som, {.total_steps = 1, .image_shape = {1, 2, 2}}), Error);
}

}  // namespace
}  // namespace soma
