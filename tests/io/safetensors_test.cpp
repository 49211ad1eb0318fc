// Tests for save_safetensors/load_safetensors: round trips of every dtype (0-dim and empty
// tensors included) and of metadata, the layout other readers rely on, a file written by
// Python (tests/io/make_fixture.py), and one test per kind of corrupt file, each checking
// that the message names the file and the tensor or byte offset.
#include "soma/io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>

#include "io/io_test_util.h"
#include "soma/core/factory.h"
#include "soma/ops/view.h"

namespace {

using soma::DType;
using soma::Tensor;
using soma::io::load_safetensors;
using soma::io::save_safetensors;
using soma::test::error_of;
using soma::test::read_file;
using soma::test::same_tensor;
using soma::test::write_file;

class IoSafetensors : public soma::test::IoTest {
 protected:
  // Writes a file from a header text and data bytes; `length` overrides the header length.
  std::string write_raw(const std::string& header, const std::string& data,
                        std::optional<std::uint64_t> length = std::nullopt) {
    const std::uint64_t n = length.value_or(header.size());
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = char(n >> (8 * i) & 0xFF);
    const std::string file = path("bad.safetensors");
    write_file(file, bytes + header + data);
    return file;
  }
  // The message of loading `file`, checked to name the file.
  std::string load_error(const std::string& file) {
    const std::string message = error_of([&] { load_safetensors(file); });
    EXPECT_NE(message.find("'" + file + "'"), std::string::npos) << message;
    return message;
  }
};

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

std::vector<std::pair<std::string, Tensor>> sample_tensors() {
  Tensor nan_inf = soma::tensor({std::nan(""), INFINITY, -0.0, 1e-40}, DType::f32);  // bits kept exactly
  return {{"weight", soma::normal({3, 4}, 0, 1, soma::default_generator(), DType::f32)},
          {"double", soma::normal({2, 2, 2}, 0, 1, soma::default_generator(), DType::f64)},
          {"labels", soma::tensor({0, -1, 7, 1e15}, DType::i64)},
          {"scalar_f32", soma::scalar(2.5)},
          {"scalar_f64", soma::scalar(-1.0 / 3.0, DType::f64)},
          {"scalar_i64", soma::scalar(-42, DType::i64)},
          {"empty", soma::zeros({0})},
          {"empty_2d", soma::zeros({3, 0, 2}, DType::f64)},
          {"empty_i64", soma::zeros({0, 5}, DType::i64)},
          {"special", nan_inf}};
}

}  // namespace

TEST_F(IoSafetensors, RoundTripsEveryDtypeInOrder) {
  const auto tensors = sample_tensors();
  save_safetensors(path("t.safetensors"), tensors);
  const auto file = load_safetensors(path("t.safetensors"));
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(file.tensors[i].first, tensors[i].first);
    EXPECT_TRUE(same_tensor(file.tensors[i].second, tensors[i].second)) << tensors[i].first;
    EXPECT_FALSE(file.tensors[i].second.shares_storage(tensors[i].second));
    EXPECT_FALSE(file.tensors[i].second.requires_grad());
  }
  EXPECT_EQ(file.tensors[3].second.dim(), 0);
  EXPECT_TRUE(file.metadata.empty());
  EXPECT_TRUE(same_tensor(file.at("labels"), tensors[2].second));
  EXPECT_CONTAINS(error_of([&] { file.at("nope"); }), "weight, double");
}

TEST_F(IoSafetensors, RoundTripsMetadata) {
  const std::map<std::string, std::string> metadata = {
      {"epoch", "12"}, {"empty", ""}, {"quotes \"and\" \\ slashes", "line\nbreak\ttab"}, {"unicode", "µ-law, 温度"}};
  save_safetensors(path("m.safetensors"), {{"x", soma::ones({2})}}, metadata);
  EXPECT_EQ(load_safetensors(path("m.safetensors")).metadata, metadata);
  save_safetensors(path("only_metadata.safetensors"), {}, metadata);
  const auto file = load_safetensors(path("only_metadata.safetensors"));
  EXPECT_TRUE(file.tensors.empty());
  EXPECT_EQ(file.metadata, metadata);
}

TEST_F(IoSafetensors, EmptyFileRoundTrips) {
  save_safetensors(path("e.safetensors"), {});
  EXPECT_EQ(read_file(path("e.safetensors")), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  const auto file = load_safetensors(path("e.safetensors"));
  EXPECT_TRUE(file.tensors.empty());
  EXPECT_TRUE(file.metadata.empty());
}

TEST_F(IoSafetensors, LayoutIsAlignedLittleEndianAndContiguous) {
  // A view with a storage offset is written from its own first element.
  Tensor rows = soma::arange(12, DType::f32);
  Tensor view = soma::slice(soma::reshape(rows, {3, 4}), 0, 1, 3);
  ASSERT_TRUE(view.shares_storage(rows));
  save_safetensors(path("l.safetensors"), {{"a", soma::tensor({1, 2}, DType::i64)}, {"v", view}}, {{"k", "v"}});
  const std::string bytes = read_file(path("l.safetensors"));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(bytes.size(), 8 + n + 16 + 8 * 4);
  // int64 1 as little-endian bytes right at the start of the data section.
  EXPECT_EQ(bytes.substr(8 + n, 8), std::string("\x01\0\0\0\0\0\0\0", 8));
  const auto file = load_safetensors(path("l.safetensors"));
  EXPECT_EQ(file.at("v").at({0, 0}), 4);
  EXPECT_EQ(file.at("v").at({1, 3}), 11);
}

TEST_F(IoSafetensors, LoadsFileWrittenByPython) {
  // Written by tests/io/make_fixture.py, which holds the same values.
  const std::string fixture = (soma::test::fs::path(SOMA_TESTS_DIR) / "io" / "data" / "python_fixture.safetensors").string();
  const auto file = load_safetensors(fixture);
  ASSERT_EQ(file.tensors.size(), 4u);
  EXPECT_EQ(file.tensors[0].first, "weight");
  EXPECT_EQ(file.tensors[1].first, "scale");
  EXPECT_EQ(file.tensors[2].first, "labels");
  EXPECT_EQ(file.tensors[3].first, "empty");
  EXPECT_TRUE(same_tensor(file.at("weight"), soma::tensor({{0.5, -1.25, 2.0}, {3.0, double(0.1f), -7.5}})));
  EXPECT_TRUE(same_tensor(file.at("scale"), soma::scalar(3.141592653589793, DType::f64)));
  const std::vector<std::int64_t> labels = {0, -1, std::int64_t(1) << 40, 9};
  EXPECT_TRUE(same_tensor(file.at("labels"), soma::from_data(labels, {4})));
  EXPECT_TRUE(same_tensor(file.at("empty"), soma::zeros({0, 4})));
  const std::map<std::string, std::string> metadata = {{"source", "make_fixture.py"}, {"format", "pt"}};
  EXPECT_EQ(file.metadata, metadata);
}

TEST_F(IoSafetensors, SaveRejectsBadInputAndWritesNothing) {
  const std::string file = path("s.safetensors");
  EXPECT_CONTAINS(error_of([&] { save_safetensors(file, {{"a", soma::ones({1})}, {"a", soma::ones({1})}}); }),
                  "two tensors are named 'a'");
  EXPECT_CONTAINS(error_of([&] { save_safetensors(file, {{"__metadata__", soma::ones({1})}}); }), "reserved");
  EXPECT_CONTAINS(error_of([&] { save_safetensors(file, {{"u", Tensor()}}); }), "tensor 'u' is undefined");
  EXPECT_CONTAINS(error_of([&] { save_safetensors(file, {{"bad\xff", soma::ones({1})}}); }), "UTF-8");
  EXPECT_TRUE(listing().empty());
}

TEST_F(IoSafetensors, MissingFileNamesIt) {
  EXPECT_CONTAINS(load_error(path("absent.safetensors")), "No such file or directory");
}

// ---- corrupt files: one test per kind ----

TEST_F(IoSafetensors, ShorterThanHeaderLength) {
  const std::string file = path("short.safetensors");
  write_file(file, std::string("\x05\0\0\0\0", 5));
  const std::string message = load_error(file);
  EXPECT_CONTAINS(message, "has 5 bytes");
  EXPECT_CONTAINS(message, "8-byte header length at byte 0");
}

TEST_F(IoSafetensors, HeaderLengthPastEndOfFile) {
  const std::string message = load_error(write_raw("{}", "", 1000));
  EXPECT_CONTAINS(message, "header length at byte 0 is 1000 bytes");
  EXPECT_CONTAINS(message, "only 2 bytes after it");
}

TEST_F(IoSafetensors, HeaderLengthAbsurd) {
  const std::string message = load_error(write_raw("{}", "", std::uint64_t(1) << 40));
  EXPECT_CONTAINS(message, "1099511627776");
  EXPECT_CONTAINS(message, "limit of 100000000");
}

TEST_F(IoSafetensors, HeaderNotJson) {
  const std::string message = load_error(write_raw(R"({"w": {"dtype": F32}})", ""));
  EXPECT_CONTAINS(message, "not valid JSON");
  EXPECT_CONTAINS(message, "file byte 24");  // 8 + the position of the F
}

TEST_F(IoSafetensors, HeaderNotObject) {
  EXPECT_CONTAINS(load_error(write_raw("[1, 2]  ", "")), "the header at byte 8 is a JSON array, expected an object");
  EXPECT_CONTAINS(load_error(write_raw(R"({"w": [1]})", "")), "tensor 'w': its header entry is a JSON array");
}

TEST_F(IoSafetensors, DeeplyNestedHeaderIsRefusedWhileParsing) {
  // 11 levels (the top object counts) are refused wherever they are (an entry, the metadata, a
  // shape); 200000 levels, which a recursive copy or dump of the tree would not survive, too.
  const auto nested = [](int depth) { return std::string(std::size_t(depth), '[') + std::string(std::size_t(depth), ']'); };
  for (const std::string& header : {R"({"w": )" + nested(10) + "}", R"({"__metadata__": {"k": )" + nested(9) + "}}",
                                    R"({"w": {"dtype": "F32", "shape": )" + nested(9) + R"(, "data_offsets": [0, 0]}})",
                                    R"({"w": )" + nested(200000) + "}"}) {
    const std::string message = load_error(write_raw(header, ""));
    EXPECT_CONTAINS(message, "nests objects and arrays deeper than 10 levels");
  }
  // 10 levels load as far as the nesting goes (then fail on the entry); 3, as every header has, load.
  EXPECT_EQ(error_of([&] { load_safetensors(write_raw(R"({"w": )" + nested(9) + "}", "")); }).find("deeper"), std::string::npos);
  EXPECT_EQ(load_safetensors(write_raw(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", "abcd"))
                .tensors.size(),
            1u);
}

TEST_F(IoSafetensors, UnknownDtypeIsNamed) {
  const std::string message =
      load_error(write_raw(R"({"half": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})", "abcd"));
  EXPECT_CONTAINS(message, "tensor 'half': dtype 'F16' is not supported");
}

TEST_F(IoSafetensors, ShapeDoesNotMatchOffsets) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                             R"( "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [4, 24]}})";
  const std::string message = load_error(write_raw(header, std::string(24, '\0')));
  EXPECT_CONTAINS(message, "tensor 'w'");
  EXPECT_CONTAINS(message, "shape [2, 3] of F32 needs 24 bytes but data_offsets [4, 24] hold 20");
  EXPECT_CONTAINS(message, "at file byte " + std::to_string(8 + header.size() + 4));
}

TEST_F(IoSafetensors, OffsetsPastDataSection) {
  const std::string header = R"({"w": {"dtype": "F64", "shape": [3], "data_offsets": [0, 24]}})";
  const std::string message = load_error(write_raw(header, std::string(16, '\0')));
  EXPECT_CONTAINS(message, "tensor 'w': data_offsets [0, 24] run past the end of the data section, which has 16 bytes");
  EXPECT_CONTAINS(message, "file bytes " + std::to_string(8 + header.size()));
}

TEST_F(IoSafetensors, OverlappingOffsets) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
                             R"( "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})";
  const std::string message = load_error(write_raw(header, std::string(24, '\0')));
  EXPECT_CONTAINS(message, "tensor 'b': data_offsets [8, 24] overlap those of tensor 'a' [0, 16]");
  EXPECT_CONTAINS(message, "at file byte " + std::to_string(8 + header.size() + 8));
}

TEST_F(IoSafetensors, HoleInDataSection) {
  const std::string header = R"({"a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]},)"
                             R"( "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]}})";
  const std::string message = load_error(write_raw(header, std::string(24, '\0')));
  EXPECT_CONTAINS(message, "bytes 8 to 16 of the data section");
  EXPECT_CONTAINS(message, "belong to no tensor; expected tensor 'b' to start at 8");
}

TEST_F(IoSafetensors, DataSectionLongerThanLastOffset) {
  const std::string header = R"({"a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}})";
  const std::string message = load_error(write_raw(header, std::string(12, '\0')));
  EXPECT_CONTAINS(message, "the data section has 12 bytes");
  EXPECT_CONTAINS(message, "ends at byte 8 of it (file byte " + std::to_string(8 + header.size() + 8) + ")");
}

TEST_F(IoSafetensors, MalformedEntriesAndMetadata) {
  struct Case {
    std::string header, expected;
  };
  const std::vector<Case> cases = {
      {R"({"w": {"dtype": "F32", "shape": [1]}})", "tensor 'w': its header entry has no 'data_offsets'"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", "unexpected key 'x'"},
      {R"({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", "dtype is a JSON number"},
      {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", "not a non-negative integer"},
      {R"({"w": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}})", "not a non-negative integer"},
      {R"({"w": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}})", "9 dimensions"},
      {R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})", "too many elements"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", "not a pair [begin, end]"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", "end before they begin"},
      {R"({"w": {"dtype": "F32", "shape": [0, 9223372036854775808], "data_offsets": [0, 0]}})", "too many elements"},
      {R"({"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}})", "not valid JSON: number overflow"},
      {R"({"__metadata__": {"epoch": 3}})", "__metadata__ entry 'epoch' is a JSON number, expected a string"},
      {R"({"__metadata__": []})", "__metadata__ is a JSON array"},
  };
  for (const Case& c : cases) EXPECT_CONTAINS(load_error(write_raw(c.header, std::string(4, '\0'))), c.expected);
}

TEST_F(IoSafetensors, EveryTruncationIsReported) {
  const std::string good = path("good.safetensors");
  save_safetensors(good, sample_tensors(), {{"epoch", "3"}});
  const std::string bytes = read_file(good);
  const std::string cut = path("cut.safetensors");
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    write_file(cut, bytes.substr(0, size));
    const std::string message = error_of([&] { load_safetensors(cut); });
    EXPECT_NE(message.find("'" + cut + "'"), std::string::npos) << "cut at " << size << ": " << message;
  }
}

TEST_F(IoSafetensors, CorruptedFilesNeverCrash) {
  // Random damage to a valid file (flipped bits, JSON tokens inserted, bytes deleted): each
  // load either succeeds (a flipped data byte is just another value) or throws soma::Error;
  // any other exception fails the test. (Run for 30000 trials under ASan/UBSan by hand.)
  const std::string good = path("good.safetensors");
  save_safetensors(good, sample_tensors(), {{"epoch", "3"}});
  const std::string bytes = read_file(good);
  const char* tokens[] = {"0", "-1", "18446744073709551615", "1e400", "[", "]", "{", "}", ",", ":", "\"",
                          "null", "\"F64\"", "[]", "\"__metadata__\""};
  std::mt19937 rng(5);
  const std::string bad = path("damaged.safetensors");
  int rejected = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string b = bytes;
    const std::size_t at = 8 + rng() % (b.size() - 8);
    switch (trial % 3) {
      case 0:
        for (int k = 0; k < 3; ++k) b[rng() % b.size()] ^= char(1 << (rng() % 8));
        break;
      case 1: b.insert(at, tokens[rng() % std::size(tokens)]); break;
      default: b.erase(at, 1 + rng() % 3);
    }
    write_file(bad, b);
    try {
      load_safetensors(bad);
    } catch (const soma::Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 300);
}
