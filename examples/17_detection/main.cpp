// YOLO-style detection: 0 to 4 Fashion-MNIST items pasted on 96x96 canvases (data::Canvases),
// and a single-shot detector in the manner of YOLO v1 (detection/yolo.h): a convolutional
// network whose output is an S x S grid (6 x 6, one cell per 16 pixels) of B = 2 boxes with
// objectness and one set of class probabilities per cell, trained with the YOLO loss
// (lambda_coord 5, lambda_noobj 0.5). Detections: score = objectness x class probability, then
// non-maximum suppression; scored by mAP@0.5 the PASCAL VOC way (all-point interpolation) after
// every epoch. Writes metrics.csv, curves.png and a grid of test canvases with the true (green)
// and detected (red) boxes. Ends with the test mAP@0.5.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <soma/data/canvases.h>
#include <soma/detection/box.h>
#include <soma/detection/draw.h>
#include <soma/detection/detector.h>
#include <soma/detection/yolo.h>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// conv 3x3 + batch norm + LeakyReLU(0.1) (YOLO's activation), optionally followed by a 2x2 max pool.
void stage(nn::Sequential& net, std::int64_t in, std::int64_t out, bool pool) {
  net.push_back(nn::Conv2d({.in = in, .out = out, .kernel = 3, .padding = 1}));
  net.push_back(nn::BatchNorm2d(out));
  net.push_back(nn::LeakyReLU(0.1));
  if (pool) net.push_back(nn::MaxPool2d(2));
}

// 96x96 -> four pooled stages (w, 2w, 4w, 8w channels) -> 6x6 -> two 3x3 stages -> 1x1 conv to
// the 5B + C channels of every cell.
void build(nn::Sequential& net, std::int64_t width, const detection::YoloOptions& yolo) {
  stage(net, 1, width, true);
  stage(net, width, 2 * width, true);
  stage(net, 2 * width, 4 * width, true);
  stage(net, 4 * width, 8 * width, true);
  stage(net, 8 * width, 8 * width, false);
  stage(net, 8 * width, 8 * width, false);
  net.push_back(nn::Conv2d({.in = 8 * width, .out = detection::yolo_channels(yolo), .kernel = 1}));
}

void write_examples(const std::string& path, nn::Module& net, const data::Canvases& test,
                    const detection::YoloOptions& yolo, double threshold, std::int64_t count) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < std::min(count, test.size()); ++i) indices.push_back(i);
  const data::Batch batch = test.get(indices);
  Tensor output;
  {
    NoGradGuard no_grad;
    net.eval();
    output = net(batch.x);
    net.train();
  }
  const auto detections = detection::yolo_detections(output, yolo, threshold);
  const auto truths = detection::objects_of(batch.y);
  const std::int64_t side = test.options().size;
  std::vector<Tensor> drawn;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    std::vector<detection::Outline> outlines;
    for (const auto& t : truths[i]) outlines.push_back({t.box, detection::kTruthColour});
    for (const auto& d : detections[i]) outlines.push_back({d.box, detection::kPredictionColour});
    drawn.push_back(detection::draw_boxes(reshape(slice(batch.x, 0, std::int64_t(i), std::int64_t(i) + 1), {1, side, side}),
                                          outlines));
  }
  io::save_image_grid(path, stack(drawn), {.nrow = 6, .pad_value = 1});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"YOLO v1-style detection of 0-4 Fashion-MNIST items on 96x96 canvases: a 6x6 grid, 2 boxes per cell,\n"
               "the YOLO loss, non-maximum suppression, and mAP@0.5 (PASCAL VOC, all-point) on the test canvases."};
  int epochs = 8, threads = 1;
  std::int64_t train_count = 40'000, test_count = 1'000, batch_size = 64, width = 8;
  double lr = 2e-3, threshold = 0.3;
  std::uint64_t seed = 0;
  std::string out = "detection", dir = data::kFashionMnistDir;
  app.add_option("--epochs", epochs, "Passes over the training canvases")->capture_default_str()->check(CLI::Range(0, 1000));
  app.add_option("--train", train_count, "Training canvases (items from Fashion-MNIST's training images)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)));
  app.add_option("--test", test_count, "Test canvases (items from its test images)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(1'000'000)));
  app.add_option("--batch-size", batch_size, "Canvases per Adam step")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(4096)));
  app.add_option("--width", width, "Channels of the first convolution (then 2x, 4x, 8x)")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(128)));
  app.add_option("--lr", lr, "Adam's learning rate (cosine-annealed to 0 over the epochs)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threshold", threshold, "Score from which a detection is drawn in examples.png (mAP uses all from 0.01)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", seed, "Seed of the weights, the canvases (train: seed, test: seed + 1) and shuffling")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--out", out, "Folder for metrics.csv, curves.png and examples.png")->capture_default_str();
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const data::CanvasOptions canvases{.size = 96, .min_items = 0, .max_items = 4, .min_scale = 20, .max_scale = 40};
    auto train_options = canvases, test_options = canvases;
    train_options.count = train_count, train_options.seed = seed;
    test_options.count = test_count, test_options.seed = seed + 1;
    const auto train = std::make_shared<data::Canvases>(data::fashion_mnist("train", dir), train_options);
    const auto test = std::make_shared<data::Canvases>(data::fashion_mnist("test", dir), test_options);
    const detection::YoloOptions yolo{.grid = 6, .boxes = 2, .classes = 10};

    manual_seed(seed);
    nn::Sequential net;
    build(net, width, yolo);
    optim::Adam opt(net.parameters(), {.lr = lr});
    optim::CosineAnnealingLR schedule(opt, {.t_max = std::max(1, epochs)});
    detection::YoloDetector learner(net, opt, yolo);
    std::filesystem::create_directories(out);
    std::printf("YOLO v1-style detector (%lld parameters; grid %d, %d boxes, %d classes), Adam lr %g cosine, batch %lld, "
                "%d epochs, %lld training and %lld test canvases of 96x96 with 0-4 items, %d threads, seed %llu\n",
                static_cast<long long>(net.parameter_count()), yolo.grid, yolo.boxes, yolo.classes, lr,
                static_cast<long long>(batch_size), epochs, static_cast<long long>(train_count),
                static_cast<long long>(test_count), num_threads(), static_cast<unsigned long long>(seed));

    train::Loop loop(learner);
    const auto start = std::chrono::steady_clock::now();
    const train::History history = loop.fit(
        train, {.epochs = epochs, .batch_size = batch_size, .validation = test,
                .callbacks = {train::LearningRateScheduler(schedule), detection::MapLogger(test, yolo),
                              train::CSVLogger(out + "/metrics.csv")},
                .seed = seed, .verbose = 2});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!history.empty())
      io::write_line_chart(out + "/curves.png",
                           {{.name = "test map@0.5", .y = history["val_map50"]},
                            {.name = "train loss / 10", .y = [&] {
                               auto v = history["loss"];
                               for (double& x : v) x /= 10;
                               return v;
                             }()}},
                           {.title = "yolo detection", .x_label = "epoch"});
    write_examples(out + "/examples.png", net, *test, yolo, threshold, 36);
    const detection::MeanAveragePrecision result = detection::evaluate_detector(net, test, yolo);
    std::printf("trained in %.1f s; wrote %s/{metrics.csv, curves.png, examples.png}\n", seconds, out.c_str());
    std::printf("AP@0.5 per class:");
    for (double ap : result.per_class) std::printf(" %.3f", ap);
    std::printf("\nmAP@0.5 %.4f\n", result.map);
  } catch (const Error& e) {
    std::fprintf(stderr, "detection: %s\n", e.what());
    return 1;
  }
}
