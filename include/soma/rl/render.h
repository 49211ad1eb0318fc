// CartPole's picture, drawn by soma's rasterizer (rl/raster.h) with the geometry of Gymnasium's
// CartPoleEnv.render() (gymnasium/envs/classic_control/cartpole.py): a 600x400 screen showing
// 2 * x_threshold = 4.8 m of track, so 125 pixels per metre; a 50x30 black cart on a black track
// 100 pixels above the bottom; a 10-pixel-wide pole of 2 * half_length (125 pixels) in
// (202, 152, 101) hinged at an axle (129, 132, 203) a quarter of the cart's height above the
// track; white background. Gymnasium draws with y up and flips the picture; so does this.
// No anti-aliasing: edges may differ from pygame's by a pixel.
#pragma once

#include "soma/rl/cartpole.h"
#include "soma/rl/raster.h"

namespace soma::rl {

/// Gymnasium's CartPole screen and drawing sizes, in pixels.
struct CartPoleScreen {
  static constexpr std::int64_t width = 600, height = 400;
  static constexpr double scale = width / (2 * CartPole::x_threshold);  ///< pixels per metre
  static constexpr double track_y = 100;                                 ///< from the bottom
  static constexpr double cart_width = 50, cart_height = 30, pole_width = 10;
  static constexpr double pole_length = scale * 2 * CartPole::half_length;
  static constexpr double axle_offset = cart_height / 4;
  static constexpr Color background{255, 255, 255}, cart{0, 0, 0}, pole{202, 152, 101}, axle{129, 132, 203},
      track{0, 0, 0};
  /// The column of the cart's centre for a cart at x metres (the PyTorch DQN tutorial's
  /// get_cart_location, before its rounding).
  static constexpr double cart_column(double x) { return x * scale + width / 2.0; }
};

/// The 600x400 RGB picture of CartPole in `state` (x, x_dot, theta, theta_dot; only x and theta show).
Frame render_cartpole(const CartPole::State& state);

}  // namespace soma::rl
