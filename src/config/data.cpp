// The "data" section: built-in sets (Fashion-MNIST, MNIST, the King James Bible as
// character sequences), CSV files with a label column,
// NPY/IDX/CSV files of inputs and labels, or values written inline (XOR). See docs/cli.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>

#include "config/canvases.h"
#include "soma/config/builders.h"
#include "soma/core/factory.h"
#include "soma/data/csv.h"
#include "soma/data/idx.h"
#include "soma/data/locate.h"
#include "soma/data/mnist.h"
#include "soma/data/npy.h"
#include "soma/data/text.h"
#include "soma/ops/arithmetic.h"
#include "soma/ops/view.h"

namespace soma::config {

namespace {

const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Runs `load`, turning a library error (a missing or damaged file) into a ConfigError at `path`.
template <class F>
auto at_path(const std::string& path, F&& load) {
  try {
    return load();
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    fail(path, e.what());
  }
}

std::string absolute(const std::string& file, const std::string& base_dir) {
  namespace fs = std::filesystem;
  fs::path p(file);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return fs::absolute(p).lexically_normal().string();
}

// The default of `key` (a built-in set's folder or file): where data/locate.h finds the set at run
// time, looked up only when the config does not say; the error names every place looked at.
std::optional<std::string> found_builtin(const Section& s, const std::string& key, const std::string& dataset) {
  if (s.has(key)) return std::nullopt;
  return at_path(s.path_of("dataset"), [&] { return data::locate_dataset(dataset); });
}

// Nested JSON lists of numbers as a tensor: float32, or int64 labels for a flat list of
// whole numbers when `labels` allows it.
Tensor inline_tensor(const Json& v, const std::string& path, bool labels) {
  std::vector<std::int64_t> shape;
  const Json* level = &v;
  while (level->is_array()) {
    shape.push_back(std::int64_t(level->size()));
    if (level->empty()) break;
    level = &(*level)[0];
  }
  if (shape.empty() || shape[0] == 0) fail(path, "expected a non-empty list of numbers, got " + describe(v));
  std::vector<double> values;
  bool whole = true;
  std::function<void(const Json&, std::size_t, const std::string&)> walk = [&](const Json& e, std::size_t depth,
                                                                                 const std::string& at) {
    if (depth == shape.size()) {
      if (!e.is_number()) fail(at, "expected a number, got " + describe(e));
      values.push_back(e.get<double>());
      whole = whole && e.is_number_integer();
      return;
    }
    if (!e.is_array() || std::int64_t(e.size()) != shape[depth])
      fail(at, "expected a list of " + std::to_string(shape[depth]) + " (every row the same length), got " +
                   describe(e));
    for (std::size_t i = 0; i < e.size(); ++i) walk(e[i], depth + 1, at + "[" + std::to_string(i) + "]");
  };
  walk(v, 0, path);
  if (labels && whole && shape.size() == 1) {
    std::vector<std::int64_t> ints(values.begin(), values.end());
    return from_data(std::span<const std::int64_t>(ints), Shape(std::span<const std::int64_t>(shape)));
  }
  return from_data(std::span<const double>(values), Shape(std::span<const std::int64_t>(shape)));
}

// A file of inputs or labels, by extension: .npy, .csv (every column), else IDX (.gz or not).
Tensor read_tensor_file(const std::string& file, bool labels, bool header) {
  if (ends_with(file, ".npy")) {
    Tensor t = data::read_npy(file);
    if (t.dtype() == DType::i64) return labels ? t : t.to(DType::f32);
    return t.dtype() == DType::f32 ? t : t.to(DType::f32);
  }
  if (ends_with(file, ".csv")) {
    data::CsvOptions options;
    options.header = header;
    Tensor t = data::read_csv(file, options).x;
    return labels && t.dim() == 2 && t.size(1) == 1 ? reshape(t, {t.size(0)}).to(DType::i64) : t;
  }
  return data::read_idx(file, labels ? DType::i64 : DType::f32);
}

struct Split {
  Tensor x, y;
};

// One of "train"/"test": {"csv": file, "label_column": ..., "header": ..., "delimiter": ...}
// or {"x": file-or-list, "y": file-or-list}.
Split read_source(const Json& spec, const std::string& path, const std::string& base_dir, Json& resolved) {
  Section s(spec, path, "a data source");
  Split split;
  if (s.has("csv")) {
    const std::string file = absolute(s.text("csv", std::nullopt), base_dir);
    s.set("csv", file);
    data::CsvOptions options;
    options.header = s.boolean("header", options.header);
    const std::string delimiter = s.text("delimiter", std::string(1, options.delimiter));
    if (delimiter.size() != 1) fail(s.path_of("delimiter"), "expected one character, got \"" + delimiter + "\"");
    options.delimiter = delimiter[0];
    const Json* label = s.raw("label_column");
    if (!label) fail(s.path_of("label_column"), "missing; expected the name or 0-based index of the label column");
    if (label->is_string()) {
      options.label_column = label->get<std::string>();
    } else if (label->is_number_integer()) {
      options.label_column = label->get<std::int64_t>();
    } else {
      fail(s.path_of("label_column"), "expected a column name or a 0-based index, got " + describe(*label));
    }
    s.set("label_column", *label);
    auto csv = at_path(s.path_of("csv"), [&] { return data::read_csv(file, options); });
    split = {csv.x, csv.y};
  } else {
    const bool header = s.boolean("header", data::CsvOptions{}.header);  // for .csv files, as above
    for (const char* key : {"x", "y"}) {
      const bool labels = std::string(key) == "y";
      const Json* v = s.raw(key);
      if (!v) fail(s.path_of(key), std::string("missing; expected a file (.npy, .csv, IDX) or a list of numbers") +
                                        (labels ? "" : " (or give \"csv\" with a \"label_column\")"));
      Tensor t;
      if (v->is_string()) {
        const std::string file = absolute(v->get<std::string>(), base_dir);
        s.set(key, file);
        t = at_path(s.path_of(key), [&] { return read_tensor_file(file, labels, header); });
      } else if (v->is_array()) {
        s.set(key, *v);
        t = inline_tensor(*v, s.path_of(key), labels);
      } else {
        fail(s.path_of(key), "expected a file name or a list of numbers, got " + describe(*v));
      }
      (labels ? split.y : split.x) = t;
    }
    if (split.x.dim() < 1 || split.y.dim() < 1 || split.x.size(0) != split.y.size(0))
      fail(path, "x has " + std::to_string(split.x.dim() ? split.x.size(0) : 0) + " examples but y has " +
                     std::to_string(split.y.dim() ? split.y.size(0) : 0));
  }
  s.finish();
  resolved = s.resolved();
  if (split.x.dtype() != DType::f32) split.x = split.x.to(DType::f32);
  return split;
}

// "kjv-text": a text file as character sequences of `sequence_length` ids with the next
// characters as targets; training text from the start, validation text from the end.
struct TextSets {
  Split train, test;
  std::vector<std::string> characters;  // the vocabulary, id order
};

TextSets read_text(Section& s) {
  const std::string file = s.text("file", found_builtin(s, "file", "kjv-text"));
  const std::int64_t length = s.integer("sequence_length", 64, 1);
  const std::int64_t stride = s.integer("stride", length, 1);
  const std::int64_t train_chars = s.integer("train_chars", 1'000'000, 2);
  const std::int64_t valid_chars = s.integer("valid_chars", 100'000, 0);
  const bool one_hot = s.boolean("one_hot", false);
  std::ifstream in(file, std::ios::binary);
  if (!in)
    fail(s.path_of("file"), "cannot read '" + file + "' (scripts/install-deps.sh installs bible-kjv and extracts " +
                                "the King James Bible there)");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  if (train_chars + valid_chars > std::int64_t(text.size()))
    fail(s.path_of("train_chars"), "expected train_chars + valid_chars <= " + std::to_string(text.size()) +
                                       " (the characters of '" + file + "'), got " +
                                       std::to_string(train_chars + valid_chars));
  const data::CharVocabulary vocab(text);  // the whole text's, so both parts share the ids
  TextSets out;
  for (std::int64_t i = 0; i < vocab.size(); ++i) out.characters.push_back(std::string(1, vocab.token(i)));
  auto sequences = [&](std::string_view part, const std::string& key) {
    const std::vector<std::int64_t> ids = vocab.encode(part);
    const std::int64_t n = std::int64_t(ids.size()) > length ? (std::int64_t(ids.size()) - length - 1) / stride + 1 : 0;
    if (n == 0)
      fail(s.path_of(key), "expected more than sequence_length = " + std::to_string(length) + " characters, got " +
                               std::to_string(ids.size()));
    Tensor x(Shape{n, length}, DType::i64), y(Shape{n, length}, DType::i64);
    std::int64_t* px = x.data<std::int64_t>();
    std::int64_t* py = y.data<std::int64_t>();
    for (std::int64_t k = 0; k < n; ++k)
      for (std::int64_t t = 0; t < length; ++t) {
        px[k * length + t] = ids[std::size_t(k * stride + t)];
        py[k * length + t] = ids[std::size_t(k * stride + t + 1)];  // the next character
      }
    return Split{one_hot ? data::one_hot(x, vocab.size()) : x, y};
  };
  out.train = sequences(std::string_view(text).substr(0, std::size_t(train_chars)), "train_chars");
  if (valid_chars > 0)
    out.test = sequences(std::string_view(text).substr(text.size() - std::size_t(valid_chars)), "valid_chars");
  return out;
}

std::shared_ptr<data::TensorDataset> first(const Split& split, std::int64_t limit) {
  const std::int64_t n = limit > 0 ? std::min(limit, split.x.size(0)) : split.x.size(0);
  Tensor x = n == split.x.size(0) ? split.x : slice(split.x, 0, 0, n);
  Tensor y = n == split.y.size(0) ? split.y : slice(split.y, 0, 0, n);
  return std::make_shared<data::TensorDataset>(x, y);
}

std::int64_t count_classes(const Tensor& y) {
  if (!y.defined() || y.dtype() != DType::i64 || y.dim() != 1) return 0;
  std::int64_t top = -1;
  const std::int64_t* p = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < y.numel(); ++i) top = std::max(top, p[i]);
  return top + 1;
}

}  // namespace

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

DataSets build_data(const Json& spec, const std::string& path, const std::string& base_dir, Json& resolved) {
  const Json object = spec.is_string() ? Json{{"dataset", spec}} : spec;
  Section s(object, path, "data");
  DataSets out;
  Split train, test;
  std::string dataset;
  if (s.has("dataset") || !s.has("train")) {
    // The sets found on disk (data/locate.h), and the canvases drawn from one of them.
    std::vector<std::string> choices = data::builtin_datasets();
    choices.push_back("canvases");
    dataset = s.text("dataset", std::nullopt, choices);
  }
  if (dataset == "kjv-text") {
    TextSets text = read_text(s);
    train = text.train;
    test = text.test;
    out.class_names = text.characters;
  } else if (dataset == "canvases") {  // synthetic localization and detection canvases
    // Only the canvases kept by "limit" and "test_limit" (checked below) are drawn.
    auto early = [&](const char* key) {
      return object.contains(key) && object[key].is_number_integer() ? object[key].get<std::int64_t>() : 0;
    };
    const auto c = detail::read_canvases(s, early("limit"), early("test_limit"));
    train = {c.train_x, c.train_y};
    test = {c.test_x, c.test_y};
  } else if (!dataset.empty()) {
    const std::string dir = s.text("dir", found_builtin(s, "dir", dataset));
    auto load = [&](const std::string& split) {
      return at_path(s.path_of("dataset"), [&] {
        return dataset == "mnist" ? data::mnist(split, dir) : data::fashion_mnist(split, dir);
      });
    };
    auto tr = load("train"), te = load("test");
    train = {tr->x(), tr->y()};
    test = {te->x(), te->y()};
    out.class_names = dataset == "mnist" ? std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
                                         : kFashionClasses;
  } else {
    Json r;
    train = read_source(*s.raw("train"), s.path_of("train"), base_dir, r);
    s.set("train", r);
    if (const Json* t = s.raw("test")) {
      test = read_source(*t, s.path_of("test"), base_dir, r);
      s.set("test", r);
    }
  }
  const double scale = s.number("scale", 1.0, {.lo = 0, .lo_open = true});
  const double shift = s.number("shift", 0.0);  // x * scale + shift: 2 and -1 map [0, 1] to tanh's [-1, 1]
  if (scale != 1.0 || shift != 0.0) {
    train.x = train.x * scale + shift;
    if (test.x.defined()) test.x = test.x * scale + shift;
  }
  if (s.has("input_shape")) {
    const auto shape = s.integers("input_shape", std::nullopt, 1);
    for (Split* split : {&train, &test}) {
      if (!split->x.defined()) continue;
      std::vector<std::int64_t> full{split->x.size(0)};
      full.insert(full.end(), shape.begin(), shape.end());
      split->x = at_path(s.path_of("input_shape"), [&] {
        std::int64_t per = 1;
        for (auto d : shape) per *= d;
        SOMA_CHECK(per * split->x.size(0) == split->x.numel(), "expected ", split->x.numel() / split->x.size(0),
                   " values per example (the data's), got ", shape_text(shape), " = ", per);
        return reshape(split->x, Shape(std::span<const std::int64_t>(full)));
      });
    }
  }
  const std::int64_t limit = s.integer("limit", 0, 0);
  const std::int64_t test_limit = s.integer("test_limit", 0, 0);
  out.train = first(train, limit);
  if (test.x.defined()) {
    out.test = first(test, test_limit);
    if (out.test->x().dim() != out.train->x().dim() ||
        !std::equal(out.test->x().shape().begin() + 1, out.test->x().shape().end(),
                    out.train->x().shape().begin() + 1))
      fail(s.path_of("test"), "its examples have shape " + out.test->x().shape().str() +
                                  " but the training examples " + out.train->x().shape().str());
  }
  out.input_shape.assign(out.train->x().shape().begin() + 1, out.train->x().shape().end());
  out.num_classes = count_classes(out.train->y());
  if (out.test) out.num_classes = std::max(out.num_classes, count_classes(out.test->y()));
  if (dataset == "kjv-text") out.num_classes = std::int64_t(out.class_names.size());  // per-step classes
  if (s.has("classes")) {
    const Json* c = s.raw("classes");
    if (!c->is_array() || !std::all_of(c->begin(), c->end(), [](const Json& e) { return e.is_string(); }))
      fail(s.path_of("classes"), "expected a list of class names, got " + describe(*c));
    out.class_names = c->get<std::vector<std::string>>();
  }
  if (!out.class_names.empty()) s.set("classes", out.class_names);
  s.finish();
  resolved = s.resolved();
  return out;
}

}  // namespace soma::config
