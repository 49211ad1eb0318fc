// The frame operations and the pixel wrappers: values on known pictures, shapes, the
// tutorial's crop around the cart, and checkpoints that continue identically.
#include "soma/rl/pixels.h"

#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/rl/frame_ops.h"
#include "soma/rl/render.h"

namespace soma::rl {
namespace {

// A world whose picture is one grey value, 10 * (t + 1) after t steps; 8x12 RGB.
class Counter : public Environment {
 public:
  std::string name() const override { return "Counter"; }
  const Space& observation_space() const override { return space_; }
  const Space& action_space() const override { return actions_; }
  Tensor reset(std::optional<std::uint64_t>) override {
    t_ = 0;
    return scalar(0);
  }
  EnvStep step(std::int64_t) override { return {scalar(double(++t_)), 1.0, false, false}; }
  Frame render() const override { return Frame(8, 12, 3, std::uint8_t(10 * (t_ + 1))); }
  Generator& generator() override { return generator_; }
  std::map<std::string, Tensor> state_dict() const override { return {{"t", scalar(double(t_))}}; }
  void load_state_dict(const std::map<std::string, Tensor>& s) override { t_ = std::int64_t(s.at("t").item()); }

 private:
  Space space_ = Space::box({1}, {0}, {1000}), actions_ = Space::discrete(1);
  Generator generator_;
  std::int64_t t_ = 0;
};

std::unique_ptr<FrameWrapper> counter_frames() { return std::make_unique<RenderFrames>(std::make_unique<Counter>()); }

// Plane p of `t` (each `plane` elements) holds values[p] everywhere.
void expect_planes(const Tensor& t, std::int64_t plane, std::vector<float> values) {
  ASSERT_EQ(t.numel(), plane * std::int64_t(values.size()));
  for (std::size_t p = 0; p < values.size(); ++p)
    for (std::int64_t i = 0; i < plane; ++i) ASSERT_EQ(t.data<float>()[p * plane + i], values[p]) << "plane " << p;
}

TEST(FrameOps, GrayscaleUsesBt601Luma) {
  Frame f(1, 4, 3);
  const Color colours[] = {{255, 255, 255}, {0, 0, 0}, {202, 152, 101}, {129, 132, 203}};
  for (int c = 0; c < 4; ++c) {
    std::uint8_t* p = f.at(0, c);
    p[0] = colours[c].r, p[1] = colours[c].g, p[2] = colours[c].b;
  }
  const Frame g = grayscale(f);
  ASSERT_EQ(g.channels, 1);
  // 0.299 * 202 + 0.587 * 152 + 0.114 * 101 = 161.11; 0.299 * 129 + 0.587 * 132 + 0.114 * 203 = 139.19.
  EXPECT_EQ(g.pixels, (std::vector<std::uint8_t>{255, 0, 161, 139}));
  EXPECT_THROW(grayscale(g), Error);
}

TEST(FrameOps, CropKeepsTheWindowAndRefusesOneOutside) {
  Frame f(4, 5, 1);
  for (std::size_t i = 0; i < f.pixels.size(); ++i) f.pixels[i] = std::uint8_t(i);
  const Frame c = crop(f, 1, 2, 2, 3);
  EXPECT_EQ(c.pixels, (std::vector<std::uint8_t>{7, 8, 9, 12, 13, 14}));
  EXPECT_THROW(crop(f, 3, 0, 2, 1), Error);
  EXPECT_THROW(crop(f, 0, 3, 1, 3), Error);
}

TEST(FrameOps, ResizeAveragesAreas) {
  Frame f(4, 4, 1);
  for (std::size_t i = 0; i < f.pixels.size(); ++i) f.pixels[i] = std::uint8_t(10 * i);
  // Whole 2x2 blocks: mean of {0, 10, 40, 50} = 25, {20, 30, 60, 70} = 45, ...
  EXPECT_EQ(resize_area(f, 2, 2).pixels, (std::vector<std::uint8_t>{25, 45, 105, 125}));
  // 3 -> 2 columns: each output covers 1.5 inputs, the middle one split in half.
  Frame row(1, 3, 1);
  row.pixels = {0, 90, 180};
  EXPECT_EQ(resize_area(row, 1, 2).pixels, (std::vector<std::uint8_t>{30, 150}));  // (0 + 45) / 1.5, (45 + 180) / 1.5
  EXPECT_THROW(resize_area(f, 0, 2), Error);
}

TEST(PixelWrappers, RenderFramesObservesThePicture) {
  auto env = counter_frames();
  EXPECT_EQ(env->observation_space().shape, Shape({3, 8, 12}));
  EXPECT_TRUE(env->observation_space().bytes);
  expect_planes(env->reset(0), 8 * 12, {10, 10, 10});
  expect_planes(env->step(0).observation, 8 * 12, {20, 20, 20});
  EXPECT_EQ(env->frame().pixels[0], 20);
}

TEST(PixelWrappers, FrameStackShiftsInTheNewestPicture) {
  FrameStack env(std::make_unique<Grayscale>(counter_frames()), 3);
  EXPECT_EQ(env.observation_space().shape, Shape({3, 8, 12}));
  expect_planes(env.reset(), 96, {10, 10, 10});  // padded with the first picture
  expect_planes(env.step(0).observation, 96, {10, 10, 20});
  expect_planes(env.step(0).observation, 96, {10, 20, 30});
  expect_planes(env.step(0).observation, 96, {20, 30, 40});
  EXPECT_EQ(env.frame().pixels[0], 40);  // the newest, as bytes
  EXPECT_THROW(FrameStack(counter_frames(), 0), Error);
}

TEST(PixelWrappers, FrameDifferenceIsCurrentMinusPrevious) {
  FrameDifference env(std::make_unique<Grayscale>(counter_frames()));
  EXPECT_FALSE(env.observation_space().bytes);
  EXPECT_EQ(env.observation_space().low[0], -255);
  EXPECT_EQ(env.observation_space().high[0], 255);
  expect_planes(env.reset(), 96, {0});
  expect_planes(env.step(0).observation, 96, {10});
  expect_planes(env.step(0).observation, 96, {10});
  expect_planes(env.reset(), 96, {0});
}

TEST(PixelWrappers, CropFollowsTheCentreAndClampsAtTheEdges) {
  // A 10x20 picture whose pixel (r, c) holds c, so a window's first column tells where it is.
  double centre = 10;
  struct Ramp : Counter {
    Frame render() const override {
      Frame f(10, 20, 3);
      for (std::int64_t r = 0; r < 10; ++r)
        for (std::int64_t c = 0; c < 20; ++c) f.at(r, c)[0] = f.at(r, c)[1] = f.at(r, c)[2] = std::uint8_t(c);
      return f;
    }
  };
  Crop env(std::make_unique<RenderFrames>(std::make_unique<Ramp>()),
           {.top = 0.4, .bottom = 0.8, .width = 0.6, .centre = [&](const Environment&) { return centre; }});
  const auto first_column = [&] {
    env.reset();
    return env.frame().at(0, 0)[0];
  };
  EXPECT_EQ(env.observation_space().shape, Shape({3, 4, 12}));  // rows 4..7, 12 columns
  EXPECT_EQ(first_column(), 4);                                  // centred: 10 - 6
  centre = 7.9;                                                  // truncated to 7
  EXPECT_EQ(first_column(), 1);
  centre = 2;
  EXPECT_EQ(first_column(), 0);  // clamped left
  centre = 18;
  EXPECT_EQ(first_column(), 8);  // clamped right: 20 - 12
  EXPECT_THROW(Crop(counter_frames(), {.top = 0.8, .bottom = 0.4}), Error);
}

TEST(CartPolePixels, ShapesOfBothForms) {
  auto difference = make_cartpole_pixels();
  EXPECT_EQ(difference->observation_space().shape, Shape({1, 40, 90}));
  EXPECT_EQ(difference->reset(1).shape(), Shape({1, 40, 90}));
  auto stack = make_cartpole_pixels({.frames = 4});
  EXPECT_EQ(stack->observation_space().shape, Shape({4, 40, 90}));
  EXPECT_EQ(stack->reset(1).shape(), Shape({4, 40, 90}));
  EXPECT_EQ(stack->name(), "CartPole-v1");
  EXPECT_EQ(stack->action_space().n, 2);
  EXPECT_EQ(stack->render().width, 600);  // the full picture passes through
  EXPECT_THROW(make_cartpole_pixels({.frames = -1}), Error);
}

TEST(CartPolePixels, TheUprightCartSeenThroughTheTutorialsWindow) {
  // Before any reset the state is all zeros: the cart centred, the pole upright.
  auto env = make_cartpole_pixels({.frames = 1});
  const Frame& f = env->frame();
  ASSERT_EQ(f.height, 40);
  ASSERT_EQ(f.width, 90);
  ASSERT_EQ(f.channels, 1);
  // The window is screen rows 160..319, columns 120..479; each pixel a 4x4 block of it.
  EXPECT_EQ(f.at(5, 5)[0], 255);    // background
  EXPECT_EQ(f.at(5, 44)[0], 161);   // the pole (screen columns 296..299, rows 180..183)
  EXPECT_EQ(f.at(5, 42)[0], 255);   // beside it
  EXPECT_EQ(f.at(36, 45)[0], 0);    // the cart's body (screen rows 304..307)
  EXPECT_EQ(f.at(36, 20)[0], 255);  // below the track, away from the cart
}

TEST(CartPolePixels, EachScreenIsThePipelineAppliedToTheRender) {
  auto env = make_cartpole_pixels({.frames = 1});
  env->reset(3);
  for (int t = 0; t < 30; ++t) {
    const auto& cartpole = dynamic_cast<const CartPole&>(env->unwrapped());
    const double column = CartPoleScreen::cart_column(cartpole.state()[0]);
    const std::int64_t left = std::clamp<std::int64_t>(std::int64_t(column) - 180, 0, 600 - 360);
    const Frame want = resize_area(grayscale(crop(render_cartpole(cartpole.state()), 160, left, 160, 360)), 40, 90);
    ASSERT_EQ(env->frame(), want) << "step " << t;
    if (env->step(t % 3 == 0).terminated) break;
  }
}

TEST(CartPolePixels, ResumesIdenticallyFromACheckpoint) {
  for (std::int64_t frames : {0, 4}) {
    auto env = make_cartpole_pixels({.frames = frames});
    env->reset(11);
    for (int t = 0; t < 6; ++t) env->step(t % 2);
    const auto saved = env->state_dict();
    const std::string rng = env->generator().state();

    auto resumed = make_cartpole_pixels({.frames = frames});
    resumed->load_state_dict(saved);
    resumed->generator().set_state(rng);
    for (int t = 0; t < 40; ++t) {
      const EnvStep a = env->step(1), b = resumed->step(1);
      ASSERT_EQ(a.terminated, b.terminated);
      for (std::int64_t i = 0; i < a.observation.numel(); ++i)
        ASSERT_EQ(a.observation.data<float>()[i], b.observation.data<float>()[i]) << "frames " << frames << ", step " << t;
      if (a.terminated || a.truncated) break;
    }
    const Tensor x = env->reset(), y = resumed->reset();
    for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(x.data<float>()[i], y.data<float>()[i]);
  }
}

}  // namespace
}  // namespace soma::rl
