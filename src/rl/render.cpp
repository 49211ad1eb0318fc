// Gymnasium's CartPoleEnv.render(), point for point: shapes are placed in a y-up screen, the
// pole turned by -theta (positive theta leans it right), then every point is flipped to image
// rows (y_image = height - y) as pygame.transform.flip does.
#include "soma/rl/render.h"

namespace soma::rl {

namespace {
std::vector<Point> flipped(std::vector<Point> points) {
  for (Point& p : points) p.y = CartPoleScreen::height - p.y;
  return points;
}
}  // namespace

Frame render_cartpole(const CartPole::State& state) {
  using S = CartPoleScreen;
  Frame frame(S::height, S::width, 3);
  fill(frame, S::background);
  const double cart_x = S::cart_column(state[0]), cart_y = S::track_y;

  const double l = -S::cart_width / 2, r = S::cart_width / 2, t = S::cart_height / 2, b = -S::cart_height / 2;
  const Point cart[] = {{l, b}, {l, t}, {r, t}, {r, b}};
  fill_polygon(frame, flipped(rotate_and_move(cart, 0, {cart_x, cart_y})), S::cart);

  const double pl = -S::pole_width / 2, pr = S::pole_width / 2, pt = S::pole_length - S::pole_width / 2,
               pb = -S::pole_width / 2;
  const Point pole[] = {{pl, pb}, {pl, pt}, {pr, pt}, {pr, pb}};
  const Point axle{cart_x, cart_y + S::axle_offset};
  fill_polygon(frame, flipped(rotate_and_move(pole, -state[2], axle)), S::pole);
  fill_circle(frame, {axle.x, S::height - axle.y}, S::pole_width / 2, S::axle);

  // gfxdraw.hline at pixel row track_y of the unflipped surface: image row height - 1 - track_y.
  const double row = S::height - 1 - S::track_y + 0.5;
  draw_line(frame, {0, row}, {double(S::width), row}, S::track);
  return frame;
}

Frame CartPole::render() const { return render_cartpole(state_); }

}  // namespace soma::rl
