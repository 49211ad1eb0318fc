// The pixel wrappers. Each stage redraws its picture from the stage below after every reset and
// step, so a chain is only as deep as its stages and holds one byte picture per stage.
#include "soma/rl/pixels.h"

#include <algorithm>
#include <cmath>

#include "soma/core/error.h"
#include "soma/core/factory.h"
#include "soma/rl/frame_ops.h"
#include "soma/rl/render.h"

namespace soma::rl {

Tensor FrameWrapper::reset(std::optional<std::uint64_t> seed) {
  env_->reset(seed);
  frame_ = make_frame();
  return observe(true);
}

EnvStep FrameWrapper::step(std::int64_t action) {
  EnvStep out = env_->step(action);
  frame_ = make_frame();
  out.observation = observe(false);
  return out;
}

void FrameWrapper::load_state_dict(const std::map<std::string, Tensor>& state) {
  Wrapper::load_state_dict(state);
  frame_ = make_frame();
}

Tensor FrameWrapper::observe(bool) { return to_tensor(frame_); }

void FrameWrapper::start() {
  frame_ = make_frame();
  space_ = Space::pixels({frame_.channels, frame_.height, frame_.width});
}

RenderFrames::RenderFrames(std::unique_ptr<Environment> env) : FrameWrapper(std::move(env)) { start(); }

FrameStage::FrameStage(std::unique_ptr<FrameWrapper> env) : FrameWrapper(std::move(env)) {
  source_ = static_cast<FrameWrapper*>(env_.get());
}

Grayscale::Grayscale(std::unique_ptr<FrameWrapper> env) : FrameStage(std::move(env)) { start(); }
Frame Grayscale::make_frame() { return grayscale(source()); }

Crop::Crop(std::unique_ptr<FrameWrapper> env, CropOptions options) : FrameStage(std::move(env)), options_(options) {
  SOMA_CHECK(options_.top >= 0 && options_.top < options_.bottom && options_.bottom <= 1 && options_.width > 0 &&
                 options_.width <= 1,
             "Crop: need 0 <= top < bottom <= 1 and 0 < width <= 1, got top ", options_.top, ", bottom ",
             options_.bottom, ", width ", options_.width);
  start();
}

Frame Crop::make_frame() {
  const Frame& in = source();
  const auto top = std::int64_t(in.height * options_.top), bottom = std::int64_t(in.height * options_.bottom);
  const auto view = std::max<std::int64_t>(1, std::int64_t(in.width * options_.width));
  const std::int64_t centre =
      options_.centre ? std::int64_t(std::floor(options_.centre(unwrapped()))) : in.width / 2;
  // The tutorial's slices: the window's left edge at centre - view/2, clamped to the picture.
  const std::int64_t left = std::clamp<std::int64_t>(centre - view / 2, 0, in.width - view);
  return crop(in, top, left, std::max<std::int64_t>(1, bottom - top), view);
}

Resize::Resize(std::unique_ptr<FrameWrapper> env, std::int64_t height, std::int64_t width)
    : FrameStage(std::move(env)), height_(height), width_(width) {
  start();
}
Frame Resize::make_frame() { return resize_area(source(), height_, width_); }

FrameStack::FrameStack(std::unique_ptr<FrameWrapper> env, std::int64_t k) : FrameStage(std::move(env)), k_(k) {
  SOMA_CHECK(k >= 1, "FrameStack: k (the pictures stacked) must be at least 1, got ", k);
  start();
  space_ = Space::pixels({k * frame_.channels, frame_.height, frame_.width});
  frames_.assign(std::size_t(k), frame_);
}

Tensor FrameStack::observe(bool first) {
  if (first) {
    frames_.assign(std::size_t(k_), frame_);
  } else {
    frames_.erase(frames_.begin());
    frames_.push_back(frame_);
  }
  Tensor out = empty(space_.shape);
  float* o = out.data<float>();
  for (const Frame& f : frames_) {
    const Tensor t = to_tensor(f);
    o = std::copy_n(t.data<float>(), t.numel(), o);
  }
  return out;
}

// The stacked pictures as saved: [k, H * W * C], each picture's bytes in the Frame's own order.
std::map<std::string, Tensor> FrameStack::state_dict() const {
  auto out = FrameWrapper::state_dict();
  const auto size = std::int64_t(frame_.pixels.size());
  Tensor frames = empty({k_, size});
  float* o = frames.data<float>();
  for (const Frame& f : frames_) o = std::copy(f.pixels.begin(), f.pixels.end(), o);
  out.emplace("frames", frames);
  return out;
}

void FrameStack::load_state_dict(const std::map<std::string, Tensor>& state) {
  auto it = state.find("frames");
  SOMA_CHECK(it != state.end(), "FrameStack: the saved state has no \"frames\"");
  const Shape want{k_, std::int64_t(frame_.pixels.size())};
  SOMA_CHECK(it->second.shape() == want && it->second.dtype() == DType::f32, "FrameStack: saved \"frames\" should be float32 ",
             want, ", is ", name_of(it->second.dtype()), " ", it->second.shape());
  FrameWrapper::load_state_dict(state);
  const float* in = it->second.data<float>();
  for (Frame& f : frames_) {
    f = frame_;  // the size and channels; the bytes follow
    for (std::uint8_t& p : f.pixels) {
      const float v = *in++;
      SOMA_CHECK(v >= 0 && v <= 255 && v == std::floor(v), "FrameStack: saved \"frames\" holds ", v, ", not a byte");
      p = std::uint8_t(v);
    }
  }
}

FrameDifference::FrameDifference(std::unique_ptr<FrameWrapper> env) : FrameStage(std::move(env)) {
  start();
  const auto n = std::size_t(frame_.pixels.size());
  space_ = Space::box({frame_.channels, frame_.height, frame_.width}, std::vector<double>(n, -255.0),
                      std::vector<double>(n, 255.0));
  previous_ = frame_;
}

Tensor FrameDifference::observe(bool first) {
  if (first) previous_ = frame_;
  const Tensor now = to_tensor(frame_), before = to_tensor(previous_);
  Tensor out = empty(space_.shape);
  for (std::int64_t i = 0; i < out.numel(); ++i) out.data<float>()[i] = now.data<float>()[i] - before.data<float>()[i];
  previous_ = frame_;
  return out;
}

void FrameDifference::load_state_dict(const std::map<std::string, Tensor>& state) {
  FrameWrapper::load_state_dict(state);
  previous_ = frame_;
}

double cartpole_cart_column(const Environment& env) {
  const auto* cartpole = dynamic_cast<const CartPole*>(&env);
  SOMA_CHECK(cartpole != nullptr, "cartpole_cart_column: the environment is ", env.name(), ", not a CartPole");
  return CartPoleScreen::cart_column(cartpole->state()[0]);
}

std::unique_ptr<FrameWrapper> make_cartpole_pixels(const CartPolePixelsOptions& options) {
  SOMA_CHECK(options.frames >= 0, "make_cartpole_pixels: frames must be 0 (difference) or k >= 1 (stack), got ",
             options.frames);
  std::unique_ptr<FrameWrapper> env = std::make_unique<RenderFrames>(std::make_unique<CartPole>(options.cartpole));
  env = std::make_unique<Crop>(std::move(env), CropOptions{.centre = cartpole_cart_column});
  env = std::make_unique<Grayscale>(std::move(env));
  env = std::make_unique<Resize>(std::move(env), options.height, options.width);
  if (options.frames == 0) return std::make_unique<FrameDifference>(std::move(env));
  return std::make_unique<FrameStack>(std::move(env), options.frames);
}

}  // namespace soma::rl
