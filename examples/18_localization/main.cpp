// Localize and classify: one Fashion-MNIST item pasted at a random position and scale on a
// 64x64 canvas (data::Canvases), and a functional model (nn::Graph) with two heads on one
// convolutional trunk — class scores and a box — trained with two losses at once
// (cross-entropy + smooth L1 on the box corners, detection::Localizer). Reports per epoch and
// on the test canvases the accuracy, the mean IoU and the fraction with IoU > 0.5, writes the
// curves (metrics.csv, curves.png) and a grid of test canvases with the true (green) and the
// predicted (red) boxes. Ends with the test mean IoU.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <soma/data/canvases.h>
#include <soma/detection/box.h>
#include <soma/detection/draw.h>
#include <soma/detection/localizer.h>
#include <soma/soma.h>
#include <string>

using namespace soma;

namespace {

// conv 3x3 + batch norm + ReLU + 2x2 max pool: one stage of the trunk, halving the canvas.
nn::Node stage(nn::Graph& net, const std::string& name, std::int64_t in, std::int64_t out, nn::Node x) {
  x = net.layer(name + "_conv", nn::Conv2d({.in = in, .out = out, .kernel = 3, .padding = 1}), x);
  x = net.layer(name + "_bn", nn::BatchNorm2d(out), x);
  x = net.layer(name + "_relu", nn::ReLU(), x);
  return net.layer(name + "_pool", nn::MaxPool2d(2), x);
}

// 64x64 -> four stages (16, 32, 64, 64 channels) -> 4x4x64 -> dense 128 -> class and box heads.
void build(nn::Graph& net, std::int64_t side, std::int64_t width) {
  nn::Node x = net.input("canvas", {1, side, side});
  x = stage(net, "s1", 1, width, x);
  x = stage(net, "s2", width, 2 * width, x);
  x = stage(net, "s3", 2 * width, 4 * width, x);
  x = stage(net, "s4", 4 * width, 4 * width, x);
  x = net.layer("flatten", nn::Flatten(), x);
  x = net.layer("fc", nn::Dense(4 * width * (side / 16) * (side / 16), 128), x);
  x = net.layer("fc_relu", nn::ReLU(), x);
  net.output(net.layer("class", nn::Dense(128, 10), x));
  net.output(net.layer("box", nn::Dense(128, 4), x));
}

void write_examples(const std::string& path, nn::Graph& net, const data::Canvases& test, std::int64_t count) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < std::min(count, test.size()); ++i) indices.push_back(i);
  const data::Batch batch = test.get(indices);
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;
    net.eval();
    outputs = net.forward_all({batch.x});
    net.train();
  }
  const Tensor boxes = detection::localization_boxes(outputs[1]).to(DType::f64);
  const auto truths = detection::objects_of(batch.y);
  std::vector<Tensor> drawn;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const double* p = boxes.data<double>() + i * 4;
    drawn.push_back(detection::draw_boxes(
        reshape(slice(batch.x, 0, std::int64_t(i), std::int64_t(i) + 1), {1, test.options().size, test.options().size}),
        {{truths[i].at(0).box, detection::kTruthColour}, {{p[0], p[1], p[2], p[3]}, detection::kPredictionColour}}));
  }
  io::save_image_grid(path, stack(drawn), {.nrow = 8, .pad_value = 1});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Localize and classify: a two-headed CNN (class + box) on Fashion-MNIST items pasted on 64x64 canvases,\n"
               "trained with cross-entropy + smooth L1; reports accuracy, mean IoU and the fraction with IoU > 0.5."};
  int epochs = 10, threads = 1;
  std::int64_t train_count = 20'000, test_count = 2'000, batch_size = 64, width = 16;
  double lr = 2e-3, box_weight = 10;
  std::uint64_t seed = 0;
  std::string out = "localization", dir = data::kFashionMnistDir;
  app.add_option("--epochs", epochs, "Passes over the training canvases")->capture_default_str()->check(CLI::Range(0, 1000));
  app.add_option("--train", train_count, "Training canvases (drawn from Fashion-MNIST's training images)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(10'000'000)));
  app.add_option("--test", test_count, "Test canvases (drawn from its test images)")
      ->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(1'000'000)));
  app.add_option("--batch-size", batch_size, "Canvases per Adam step")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(4096)));
  app.add_option("--width", width, "Channels of the first convolution (then 2x, 4x, 4x)")->capture_default_str()->check(CLI::Range(std::int64_t(1), std::int64_t(256)));
  app.add_option("--lr", lr, "Adam's learning rate (cosine-annealed to 0 over the epochs)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--box-weight", box_weight, "Weight of the box loss against the class loss")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "Seed of the weights, the canvases (train: seed, test: seed + 1) and shuffling")->capture_default_str();
  app.add_option("--threads", threads, "Threads for soma's kernels (0: all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
  app.add_option("--out", out, "Folder for metrics.csv, curves.png and examples.png")->capture_default_str();
  app.add_option("--data", dir, "Folder of the Fashion-MNIST IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%s\n\n", app.get_description().c_str());

  try {
    if (threads > 0) set_num_threads(threads);
    const auto train = std::make_shared<data::Canvases>(data::fashion_mnist("train", dir),
                                                        data::CanvasOptions{.count = train_count, .seed = seed});
    const auto test = std::make_shared<data::Canvases>(data::fashion_mnist("test", dir),
                                                       data::CanvasOptions{.count = test_count, .seed = seed + 1});
    manual_seed(seed);
    nn::Graph net;
    build(net, train->options().size, width);
    optim::Adam opt(net.parameters(), {.lr = lr});
    detection::Localizer learner(net, opt, {.box_weight = box_weight});
    std::filesystem::create_directories(out);
    std::printf("localizer (%lld parameters), Adam lr %g cosine, batch %lld, %d epochs, %lld training and %lld test "
                "canvases of 64x64, box weight %g, %d threads, seed %llu\n",
                static_cast<long long>(net.parameter_count()), lr, static_cast<long long>(batch_size), epochs,
                static_cast<long long>(train_count), static_cast<long long>(test_count), box_weight, num_threads(),
                static_cast<unsigned long long>(seed));

    optim::CosineAnnealingLR schedule(opt, {.t_max = std::max(1, epochs)});
    train::Loop loop(learner);
    const auto start = std::chrono::steady_clock::now();
    const train::History history =
        loop.fit(train, {.epochs = epochs, .batch_size = batch_size, .validation = test,
                         .callbacks = {train::LearningRateScheduler(schedule),
                                       train::CSVLogger(out + "/metrics.csv")},
                         .seed = seed, .verbose = 2});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!history.empty())
      io::write_line_chart(out + "/curves.png",
                           {{.name = "train iou", .y = history["iou"]}, {.name = "test iou", .y = history["val_iou"]},
                            {.name = "test iou>0.5", .y = history["val_iou50"]},
                            {.name = "test accuracy", .y = history["val_accuracy"]}},
                           {.title = "localization", .x_label = "epoch"});
    write_examples(out + "/examples.png", net, *test, 32);
    const train::Logs result = loop.evaluate(test, 256);
    std::printf("trained in %.1f s; wrote %s/{metrics.csv, curves.png, examples.png}\n", seconds, out.c_str());
    std::printf("test accuracy %.4f, fraction IoU > 0.5 %.4f\n", result.at("accuracy"), result.at("iou50"));
    std::printf("test mean IoU %.4f\n", result.at("iou"));
  } catch (const Error& e) {
    std::fprintf(stderr, "localization: %s\n", e.what());
    return 1;
  }
}
