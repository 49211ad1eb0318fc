// The rasterizer's fill rules, and CartPole's picture against Gymnasium's geometry: pixels at
// positions computed by hand from cartpole.py's render().
#include "soma/rl/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "soma/core/error.h"
#include "soma/io/image.h"

namespace soma::rl {
namespace {

constexpr Color white{255, 255, 255}, black{0, 0, 0}, pole{202, 152, 101}, axle{129, 132, 203};

bool same(Color a, Color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
::testing::AssertionResult has(const Frame& f, std::int64_t row, std::int64_t col, Color want) {
  const Color c = f.color(row, col);
  if (same(c, want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "pixel (row " << row << ", col " << col << ") is (" << int(c.r) << ", "
                                       << int(c.g) << ", " << int(c.b) << ")";
}
std::int64_t count(const Frame& f, Color want) {
  std::int64_t n = 0;
  for (std::int64_t r = 0; r < f.height; ++r)
    for (std::int64_t c = 0; c < f.width; ++c) n += same(f.color(r, c), want);
  return n;
}

TEST(Raster, ARectangleCoversExactlyItsArea) {
  Frame f(20, 30, 3);
  fill(f, white);
  const Point rect[] = {{2, 3}, {12, 3}, {12, 8}, {2, 8}};
  fill_polygon(f, rect, black);
  EXPECT_EQ(count(f, black), 10 * 5);
  EXPECT_TRUE(has(f, 3, 2, black));   // top-left edge inside
  EXPECT_TRUE(has(f, 7, 11, black));
  EXPECT_TRUE(has(f, 8, 5, white));   // bottom edge outside
  EXPECT_TRUE(has(f, 5, 12, white));  // right edge outside
}

TEST(Raster, ANonConvexPolygonLeavesItsNotchEmpty) {
  Frame f(10, 10, 3);
  fill(f, white);
  // A "U": the notch (cols 3..6, rows 0..5) stays white.
  const Point u[] = {{0, 0}, {3, 0}, {3, 6}, {7, 6}, {7, 0}, {10, 0}, {10, 10}, {0, 10}};
  fill_polygon(f, u, black);
  EXPECT_TRUE(has(f, 2, 5, white));
  EXPECT_TRUE(has(f, 2, 1, black));
  EXPECT_TRUE(has(f, 8, 5, black));
  EXPECT_EQ(count(f, black), 100 - 4 * 6);
}

TEST(Raster, ACircleAndALine) {
  Frame f(21, 21, 3);
  fill(f, white);
  fill_circle(f, {10.5, 10.5}, 3, black);
  EXPECT_TRUE(has(f, 10, 10, black));
  EXPECT_TRUE(has(f, 10, 13, black));   // centre 3 away: on the circle
  EXPECT_TRUE(has(f, 10, 14, white));
  EXPECT_TRUE(has(f, 12, 12, black));   // distance sqrt(8) < 3
  EXPECT_TRUE(has(f, 13, 13, white));   // sqrt(18) > 3
  Frame g(5, 5, 3);
  fill(g, white);
  draw_line(g, {0.5, 0.5}, {4.5, 4.5}, black);  // the diagonal, both ends
  EXPECT_EQ(count(g, black), 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(has(g, i, i, black));
  draw_line(g, {-10, 2.5}, {30, 2.5}, black);  // clipped, not a crash
  EXPECT_EQ(count(g, black), 9);
}

TEST(Raster, RejectsWhatItCannotDraw) {
  Frame grey(4, 4, 1);
  EXPECT_THROW(fill(grey, black), Error);
  Frame f(4, 4, 3);
  const Point two[] = {{0, 0}, {1, 1}};
  EXPECT_THROW(fill_polygon(f, two, black), Error);
  EXPECT_THROW(Frame(4, 4, 2), Error);
}

TEST(CartPoleRender, UprightAtTheCentre) {
  const Frame f = render_cartpole({0, 0, 0, 0});
  ASSERT_EQ(f.height, 400);
  ASSERT_EQ(f.width, 600);
  ASSERT_EQ(f.channels, 3);
  EXPECT_TRUE(has(f, 50, 50, white));
  // The cart: 50x30 centred on column 300 and on the track (y = 100 up, image row 300).
  EXPECT_TRUE(has(f, 310, 300, black));
  EXPECT_TRUE(has(f, 310, 275, black));
  EXPECT_TRUE(has(f, 310, 324, black));
  EXPECT_TRUE(has(f, 310, 274, white));
  EXPECT_TRUE(has(f, 310, 325, white));
  EXPECT_TRUE(has(f, 285, 280, black));
  EXPECT_TRUE(has(f, 284, 280, white));
  EXPECT_TRUE(has(f, 314, 280, black));
  EXPECT_TRUE(has(f, 315, 280, white));
  // The track: one row, image row 299, across the screen.
  EXPECT_TRUE(has(f, 299, 10, black));
  EXPECT_TRUE(has(f, 299, 590, black));
  EXPECT_TRUE(has(f, 298, 10, white));
  EXPECT_TRUE(has(f, 300, 10, white));
  // The axle at 7.5 px above the track, radius 5.
  EXPECT_TRUE(has(f, 292, 300, axle));
  // The pole: 10 wide, from the axle up to 120 px above it (image rows 172.5 .. 297.5).
  EXPECT_TRUE(has(f, 200, 300, pole));
  EXPECT_TRUE(has(f, 200, 295, pole));
  EXPECT_TRUE(has(f, 200, 304, pole));
  EXPECT_TRUE(has(f, 200, 294, white));
  EXPECT_TRUE(has(f, 200, 305, white));
  EXPECT_TRUE(has(f, 172, 300, pole));  // centre 172.5: on the top edge, inside
  EXPECT_TRUE(has(f, 171, 300, white));
}

TEST(CartPoleRender, ThePoleLeansWithThetaAndTheCartMovesWithX) {
  const double theta = 0.2, x = 1.0;
  const Frame f = render_cartpole({x, 0, theta, 0});
  const double cart_col = 300 + 125 * x;
  EXPECT_TRUE(has(f, 310, std::int64_t(cart_col), black));
  EXPECT_TRUE(has(f, 310, 300, white));
  // Along the pole's axis, 20 .. 110 px from the axle: pole colour; mirrored (theta < 0): white.
  for (double d = 20; d <= 110; d += 15) {
    const double px = cart_col + d * std::sin(theta), py = 400 - (107.5 + d * std::cos(theta));
    EXPECT_TRUE(has(f, std::int64_t(py), std::int64_t(px), pole)) << "d = " << d;
    const double mx = cart_col - d * std::sin(theta);
    EXPECT_TRUE(has(f, std::int64_t(py), std::int64_t(mx), white)) << "d = " << d;
  }
}

TEST(CartPoleRender, TheEnvironmentRendersItsState) {
  CartPole env;
  env.reset_to({-0.5, 0, -0.1, 0});
  EXPECT_EQ(env.render(), render_cartpole(env.state()));
}

TEST(CartPoleRender, SurvivesAPngRoundTrip) {
  const Frame f = render_cartpole({0.3, 0, 0.05, 0});
  const auto path = std::filesystem::temp_directory_path() / "soma_cartpole_render_test.png";
  io::write_png(path.string(), to_image(f));
  const Tensor back = io::read_png(path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(back.shape(), Shape({3, 400, 600}));
  const Tensor want = to_tensor(f);
  for (std::int64_t i = 0; i < want.numel(); i += 997)
    ASSERT_EQ(std::lround(back.data<float>()[i] * 255), want.data<float>()[i]) << i;
}

}  // namespace
}  // namespace soma::rl
