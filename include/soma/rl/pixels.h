// Pixel observations: wrappers that turn an environment's picture into what a convolutional
// agent sees, as the PyTorch DQN tutorial's get_screen() (the lecture's network) does:
// render -> crop around the cart -> grey -> 40x90 -> the change between screens, or a stack of
// the last k. Every stage keeps its current picture as bytes (frame()): a replay buffer can store
// each screen once, as uint8, and rebuild stacks and differences from stored screens.
//   auto env = rl::make_cartpole_pixels({.frames = 4});  // observation [4, 40, 90], values 0..255
#pragma once

#include <functional>
#include <memory>

#include "soma/rl/cartpole.h"
#include "soma/rl/wrappers.h"

namespace soma::rl {

/// A wrapper whose observation is a picture. frame() is the current one, as bytes; the
/// observation is it as float32 [C, H, W] with whole values 0..255 (Space::pixels), unless a
/// subclass says otherwise (FrameStack, FrameDifference).
class FrameWrapper : public Wrapper {
 public:
  using Wrapper::Wrapper;
  const Space& observation_space() const override { return space_; }
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override;
  EnvStep step(std::int64_t action) override;
  /// Loads the inner environment and redraws the picture from it.
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

  /// The current picture (after reset() or step(); before, the picture of the initial state).
  const Frame& frame() const { return frame_; }

 protected:
  /// The picture of the inner environment as it is now.
  virtual Frame make_frame() = 0;
  /// The observation for the frame just made (called after frame_ is updated).
  virtual Tensor observe(bool first);
  /// Sets frame_ and space_ from make_frame(): call at the end of a subclass's constructor.
  void start();

  Frame frame_;
  Space space_;
};

/// The inner environment's render() as the observation ([3, H, W] for RGB pictures).
class RenderFrames : public FrameWrapper {
 public:
  explicit RenderFrames(std::unique_ptr<Environment> env);

 protected:
  Frame make_frame() override { return env_->render(); }
};

/// A stage applied to the picture of a FrameWrapper below it.
class FrameStage : public FrameWrapper {
 public:
  /// Throws soma::Error for a null environment.
  explicit FrameStage(std::unique_ptr<FrameWrapper> env);

 protected:
  const Frame& source() const { return source_->frame(); }
  FrameWrapper* source_;
};

/// Grey levels (rl/frame_ops.h grayscale): [1, H, W].
class Grayscale : public FrameStage {
 public:
  explicit Grayscale(std::unique_ptr<FrameWrapper> env);

 protected:
  Frame make_frame() override;
};

/// Where Crop puts its window.
struct CropOptions {
  double top = 0.4, bottom = 0.8;  ///< the rows kept, as fractions of the height (truncated)
  double width = 0.6;              ///< the window's width as a fraction of the picture's (truncated)
  /// The column the window is centred on, from the innermost environment (truncated to a whole
  /// pixel); the window is clamped to the picture's edges. None: the picture's centre.
  std::function<double(const Environment& unwrapped)> centre{};
};

/// A window of the picture, the PyTorch DQN tutorial's get_screen(): rows [top*H, bottom*H),
/// width*W columns centred on `centre`, clamped at the edges.
class Crop : public FrameStage {
 public:
  /// Throws soma::Error unless 0 <= top < bottom <= 1 and 0 < width <= 1.
  Crop(std::unique_ptr<FrameWrapper> env, CropOptions options);

 protected:
  Frame make_frame() override;

 private:
  CropOptions options_;
};

/// The picture resized to height x width by area averaging (rl/frame_ops.h resize_area).
class Resize : public FrameStage {
 public:
  Resize(std::unique_ptr<FrameWrapper> env, std::int64_t height, std::int64_t width);

 protected:
  Frame make_frame() override;

 private:
  std::int64_t height_, width_;
};

/// The last k pictures, oldest first, as one observation [k * C, H, W] (Gymnasium's
/// FrameStackObservation with padding "reset": after reset the stack holds k copies of the
/// first picture). frame() is the newest. Checkpoints hold the stacked pictures.
class FrameStack : public FrameStage {
 public:
  /// Throws soma::Error for k < 1.
  FrameStack(std::unique_ptr<FrameWrapper> env, std::int64_t k);
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  Frame make_frame() override { return source(); }
  Tensor observe(bool first) override;

 private:
  std::int64_t k_;
  std::vector<Frame> frames_;  ///< oldest first
};

/// The current picture minus the previous one, [C, H, W] with whole values -255..255 (the
/// PyTorch DQN tutorial's state; 0 everywhere right after reset). It is not a byte picture, so
/// the observation space is a box without `bytes`; frame() is still the current picture, and
/// a replay buffer that keeps the pictures rebuilds the difference from two of them. Its
/// checkpoint is the inner environment's alone: after each step the previous picture is the
/// current one, which the environment's state redraws.
class FrameDifference : public FrameStage {
 public:
  explicit FrameDifference(std::unique_ptr<FrameWrapper> env);
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  Frame make_frame() override { return source(); }
  Tensor observe(bool first) override;

 private:
  Frame previous_;
};

struct CartPolePixelsOptions {
  CartPoleOptions cartpole{};
  /// 0: the difference of consecutive screens, [1, height, width]; k >= 1: the last k screens, [k, height, width].
  std::int64_t frames = 0;
  std::int64_t height = 40, width = 90;  ///< the tutorial's size (its 160x360 window, a quarter each way)
};

/// CartPole seen through pixels: RenderFrames -> Crop (rows 40%..80%, 60% of the width centred
/// on the cart) -> Grayscale -> Resize -> FrameDifference or FrameStack. Cropping before the
/// grey conversion gives the same bytes as after and converts 6x fewer pixels.
std::unique_ptr<FrameWrapper> make_cartpole_pixels(const CartPolePixelsOptions& options = {});

/// The column of the cart's centre in CartPole's 600x400 picture (CropOptions::centre).
/// Throws soma::Error when `env` is not a CartPole.
double cartpole_cart_column(const Environment& env);

}  // namespace soma::rl
