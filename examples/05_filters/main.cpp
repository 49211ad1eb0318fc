// What a convolution does, by hand-made 3x3 filters: the lecture's filters (identity, edge
// detection, sharpen, box and Gaussian blur, ridge, a diagonal and a sum filter) applied with
// soma's conv2d to a Fashion-MNIST image and saved as PNGs; then the slides' small worked
// examples printed as grids — a binary image convolved with a cross, a feature detector followed
// by max pooling and flattening, and one output of a convolution over three colour channels.
// No training and no learned weights: every number here is chosen by hand.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <soma/soma.h>
#include <string>
#include <vector>

using namespace soma;

namespace {

struct Filter {
  const char* name;
  std::vector<double> weights;  // 3x3, row by row
  double divisor = 1;           // weights / divisor (the blurs average)
};

const std::vector<Filter> kFilters = {
    {"identity", {0, 0, 0, 0, 1, 0, 0, 0, 0}},
    {"edge_detection", {-1, -1, -1, -1, 8, -1, -1, -1, -1}},
    {"sharpen", {0, -1, 0, -1, 5, -1, 0, -1, 0}},
    {"box_blur", {1, 1, 1, 1, 1, 1, 1, 1, 1}, 9},
    {"gaussian_blur", {1, 2, 1, 2, 4, 2, 1, 2, 1}, 16},
    {"ridge", {0, -1, 0, -1, 4, -1, 0, -1, 0}},
    {"diagonal", {1, -1, -1, -1, 1, -1, -1, -1, 1}},  // responds to lines from top-left to bottom-right
    {"sum", {1, 1, 1, 1, 1, 1, 1, 1, 1}},             // the 3x3 neighbourhood's sum, not its mean
};

// A [rows, cols] tensor from values listed row by row.
Tensor grid(std::vector<double> values, std::int64_t rows, std::int64_t cols) {
  return from_data(values, {rows, cols});
}

// Prints a 2-D tensor (or the single plane of [1, 1, H, W]) as the slides draw it.
void print_grid(const std::string& label, const Tensor& t) {
  const Tensor plane = reshape(t, {t.size(-2), t.size(-1)});
  std::printf("%s (%lldx%lld):\n", label.c_str(), static_cast<long long>(plane.size(0)),
              static_cast<long long>(plane.size(1)));
  for (std::int64_t r = 0; r < plane.size(0); ++r) {
    std::printf("   ");
    for (std::int64_t c = 0; c < plane.size(1); ++c) std::printf(" %4g", plane.at({r, c}));
    std::printf("\n");
  }
}

std::string row_text(const Tensor& t) {
  std::string s;
  for (std::int64_t k = 0; k < t.numel(); ++k) s += (k ? " " : "") + std::to_string(std::int64_t(t.data<float>()[k]));
  return s;
}

// Throws unless t holds exactly `expected` (row by row).
void expect_values(const char* what, const Tensor& t, const std::vector<double>& expected) {
  SOMA_CHECK(t.numel() == std::int64_t(expected.size()), what, ": ", t.numel(), " values, expected ", expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    SOMA_CHECK(t.data<float>()[k] == float(expected[k]), what, ": value ", k, " is ", t.data<float>()[k],
               ", the slide says ", expected[k]);
}

// t rescaled to [0, 1] (min -> 0, max -> 1) for display; a constant image becomes 0.
Tensor to_unit_range(const Tensor& t) {
  const float* v = t.data<float>();
  float lo = v[0], hi = v[0];
  for (std::int64_t k = 1; k < t.numel(); ++k) lo = std::min(lo, v[k]), hi = std::max(hi, v[k]);
  Tensor out(t.shape(), DType::f32);
  for (std::int64_t k = 0; k < t.numel(); ++k) out.data<float>()[k] = hi > lo ? (v[k] - lo) / (hi - lo) : 0.0f;
  return out;
}

// Each pixel of a [H, W] image repeated zoom x zoom times, so a 28x28 image is visible.
Tensor enlarge(const Tensor& image, std::int64_t zoom) {
  const std::int64_t h = image.size(0), w = image.size(1);
  Tensor out({h * zoom, w * zoom}, DType::f32);
  for (std::int64_t r = 0; r < h * zoom; ++r)
    for (std::int64_t c = 0; c < w * zoom; ++c)
      out.data<float>()[r * w * zoom + c] = image.data<float>()[(r / zoom) * w + c / zoom];
  return out;
}

// The lecture's filters over one image [1, 1, 28, 28] (padding 1 keeps 28x28), each result
// scaled to [0, 1] and written as <out>/<name>.png, and all of them side by side (the original
// first) as <out>/all.png; returns the number of files.
int apply_filters(const Tensor& image, const std::string& out, std::int64_t zoom) {
  std::filesystem::create_directories(out);
  std::vector<Tensor> shown = {enlarge(reshape(image, {28, 28}), zoom)};
  io::write_png(out + "/original.png", shown[0]);
  for (const Filter& f : kFilters) {
    Tensor weight = from_data(f.weights, {1, 1, 3, 3}) * (1.0 / f.divisor);
    const Tensor result = conv2d(image, weight, Tensor(), {.padding = 1});
    shown.push_back(enlarge(to_unit_range(reshape(result, {28, 28})), zoom));
    io::write_png(out + "/" + f.name + ".png", shown.back());
    std::printf("  %-15s -> %s/%s.png (values %.2f to %.2f before scaling)\n", f.name, out.c_str(), f.name,
                min(result).item(), max(result).item());
  }
  const Tensor all = stack(shown);  // [9, H, W] -> [9, 1, H, W] for the grid
  io::save_image_grid(out + "/all.png", reshape(all, {all.size(0), 1, all.size(1), all.size(2)}),
                      {.nrow = int(shown.size()), .padding = 4, .pad_value = 1});
  std::printf("  all of them, the original first -> %s/all.png\n", out.c_str());
  return int(shown.size()) + 1;
}

// (a) A 5x5 binary image and the cross filter, valid convolution, stride 1: the slide's map
// 2 2 2 / 4 5 4 / 3 5 4. The slide's image is not recorded here (only its map); this one was found by trying all
// 2^25 binary images: 32 give that map — this one and those differing in the four corners
// (which no placement of the cross covers) or with the lone bottom-right pixel at (4, 3)
// instead of (3, 4).
std::string cross_example() {
  const Tensor image = grid({0, 0, 0, 0, 0,  //
                             0, 0, 1, 0, 0,  //
                             1, 1, 1, 1, 1,  //
                             0, 1, 1, 1, 1,  //
                             0, 0, 1, 0, 0},
                            5, 5);
  const Tensor cross = grid({0, 1, 0, 1, 1, 1, 0, 1, 0}, 3, 3);
  const Tensor map = conv2d(reshape(image, {1, 1, 5, 5}), reshape(cross, {1, 1, 3, 3}));
  std::printf("\n(a) A binary image convolved with a cross (valid, stride 1)\n");
  print_grid("input image", image);
  print_grid("filter", cross);
  print_grid("feature map", map);
  expect_values("cross feature map", map, {2, 2, 2, 4, 5, 4, 3, 5, 4});
  return "2 2 2 / 4 5 4 / 3 5 4";
}

// (b) A 7x7 binary image and a feature detector -> a 5x5 feature map; 2x2 max pooling with
// stride 2 and ceil_mode (the last, partial window is kept, as Keras' 'same' pooling) -> 3x3;
// flattened -> 9 values, the input of a dense layer.
std::string pooling_example() {
  const Tensor image = grid({0, 0, 0, 0, 0, 0, 0,  //
                             0, 1, 0, 0, 0, 1, 0,  //
                             0, 0, 0, 0, 0, 0, 0,  //
                             0, 0, 0, 1, 0, 0, 0,  //
                             0, 1, 0, 0, 0, 1, 0,  //
                             0, 0, 1, 1, 1, 0, 0,  //
                             0, 0, 0, 0, 0, 0, 0},
                            7, 7);
  const Tensor detector = grid({0, 0, 1, 1, 0, 0, 0, 1, 1}, 3, 3);
  const Tensor map = conv2d(reshape(image, {1, 1, 7, 7}), reshape(detector, {1, 1, 3, 3}));
  const Tensor pooled = max_pool2d(map, 2, 2, 0, /*ceil_mode=*/true);
  const Tensor flat = reshape(pooled, {9});
  std::printf("\n(b) Feature detector, max pooling (2x2, stride 2, ceil_mode), flattening\n");
  print_grid("input image", image);
  print_grid("feature detector", detector);
  print_grid("feature map", map);
  print_grid("pooled feature map", pooled);
  std::printf("flattened (9): %s\n", row_text(flat).c_str());
  expect_values("feature map", map, {0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 2, 1, 1, 4, 2, 1, 0, 0, 0, 1, 2, 1});
  expect_values("pooled map", pooled, {1, 1, 0, 4, 2, 1, 0, 2, 1});
  std::printf("erratum: the slide shows 1 in the feature map's centre (row 2, column 2, counting from 0); soma "
              "gives %g: the detector's 1s cover no 1 of the image there (the pooled map is the same either way: "
              "that window's maximum is 2)\n",
              map.at({0, 0, 2, 2}));
  return row_text(flat);
}

// (c) One output of a convolution over an RGB image: a 3x3 window of each channel (the image's
// top-left corner with one cell of zero padding) times that channel's 3x3 kernel, summed, plus
// the bias. The values are those of the well-known animated figure of a 3-channel convolution:
// the channel sums 308, -498 and 164, plus bias 1, give -25.
std::string rgb_example() {
  const Tensor window = from_data(std::vector<double>{0, 0, 0, 0, 156, 155, 0, 153, 154,    // red
                                                      0, 0, 0, 0, 167, 166, 0, 164, 165,    // green
                                                      0, 0, 0, 0, 163, 162, 0, 160, 161},   // blue
                                  {1, 3, 3, 3});
  const Tensor kernel = from_data(std::vector<double>{-1, -1, 1, 0, 1, -1, 0, 1, 1,    // red
                                                      1, 0, 0, 1, -1, -1, 1, 0, -1,    // green
                                                      0, 1, 1, 0, 1, 0, 1, -1, 1},     // blue
                                  {1, 3, 3, 3});
  const Tensor bias = tensor({1});
  // groups = 3 convolves each channel with its own kernel: the per-channel sums.
  const Tensor sums = conv2d(window, reshape(kernel, {3, 1, 3, 3}), Tensor(), {.groups = 3});
  const Tensor total = conv2d(window, kernel, bias);
  std::printf("\n(c) A convolution over three channels: one output value\n");
  const char* names[] = {"red", "green", "blue"};
  for (std::int64_t c = 0; c < 3; ++c) {
    print_grid(std::string(names[c]) + " input window", slice(window, 1, c, c + 1));
    print_grid(std::string(names[c]) + " kernel", slice(kernel, 1, c, c + 1));
    std::printf("%s sum: %g\n", names[c], sums.data<float>()[c]);
  }
  std::printf("bias: %g\n", bias.item());
  std::printf("output: %g + %g + %g + %g = %g\n", sums.data<float>()[0], sums.data<float>()[1], sums.data<float>()[2],
              bias.item(), total.item());
  expect_values("channel sums", sums, {308, -498, 164});
  expect_values("output", total, {-25});
  return "308 + -498 + 164 + 1 = -25";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Applies hand-made 3x3 filters (edges, sharpen, blur, ...) to a Fashion-MNIST image with conv2d, saves\n"
               "the results as PNGs, and prints the slides' worked examples of convolution and pooling."};
  std::string out = "filters", dir = data::kFashionMnistDir;
  std::int64_t index = 0, zoom = 8;
  app.add_option("--out", out, "Folder for the PNGs (created)")->capture_default_str();
  app.add_option("--index", index, "Which test image to filter")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(0), std::int64_t(9'999)));
  app.add_option("--zoom", zoom, "Pixels per image pixel in the PNGs")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t(1), std::int64_t(32)));
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    const auto test = data::fashion_mnist("test", dir);
    const Tensor image = slice(test->x(), 0, index, index + 1);  // [1, 1, 28, 28] in [0, 1]
    const char* classes[] = {"T-shirt/top", "trouser", "pullover", "dress", "coat",
                             "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
    std::printf("Filters on test image %lld (%s), written to %s/:\n", static_cast<long long>(index),
                classes[std::int64_t(test->y().at({index}))], out.c_str());
    const int files = apply_filters(image, out, zoom);

    const std::string cross = cross_example();
    const std::string flat = pooling_example();
    const std::string rgb = rgb_example();
    std::printf("\nresult: %d PNGs; cross map %s; pooled and flattened %s; RGB %s\n", files, cross.c_str(),
                flat.c_str(), rgb.c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "filters: %s\n", e.what());
    return 1;
  }
}
