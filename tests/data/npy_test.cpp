// Tests of read_npy/write_npy: round trips, files laid out byte by byte as numpy writes them
// (versions 1.0-3.0), dtype conversions, and one test per kind of bad file.
#include <gtest/gtest.h>

#include <filesystem>

#include "data_test_util.h"
#include "soma/core/factory.h"
#include "soma/data/npy.h"

namespace soma {
namespace {

using data_test::Bytes;
using data_test::throws_with;

// An .npy file: magic, version, header length (2 bytes in 1.0, 4 after), the dict padded with
// spaces and '\\n' to a multiple of 64 as numpy does, then `data`.
Bytes npy(const std::string& dict, const Bytes& data, int major = 1) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', std::uint8_t(major), 0};
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';
  if (major == 1) data_test::append_le<std::uint16_t>(b, std::uint16_t(header.size()));
  else data_test::append_le<std::uint32_t>(b, std::uint32_t(header.size()));
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

template <class T>
Bytes le(std::initializer_list<T> values) {
  Bytes b;
  for (T v : values) data_test::append_le<T>(b, v);
  return b;
}

TEST(DataNpy, RoundTripsEveryDTypeAndShape) {
  data_test::TempDir dir;
  const std::vector<Tensor> tensors = {tensor({{1.5, -2}, {3, 4e-8}, {5, 6}}), tensor({1, 2, 1e300}, DType::f64),
                                       tensor({-5, 0, 1LL << 40}, {3, 1}, DType::i64), scalar(7.25),
                                       zeros({0, 3}), zeros({2, 1, 1, 1, 1, 1, 1, 2}, DType::f64)};
  for (const auto& t : tensors) {
    const std::string path = dir.file("t.npy");
    data::write_npy(path, t);
    Tensor back = data::read_npy(path);
    EXPECT_TRUE(data_test::same_bits(back, t)) << t.shape() << " " << name_of(t.dtype());
    EXPECT_EQ(data_test::read_file(path).size() % 64, (std::size_t(t.numel()) * size_of(t.dtype())) % 64)
        << "the data starts on a 64-byte boundary";
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("t.npy.tmp")));
}

TEST(DataNpy, WritesTheHeaderNumpyExpects) {
  data_test::TempDir dir;
  data::write_npy(dir.file("a.npy"), zeros({3}, DType::i64));
  const Bytes b = data_test::read_file(dir.file("a.npy"));
  const std::string text(b.begin(), b.end());
  EXPECT_EQ(text.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(b[8] + 256 * b[9] + 10, 128);
  EXPECT_EQ(text.substr(10, 57), "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }");
  EXPECT_EQ(text[127], '\n');
  EXPECT_EQ(b.size(), 128u + 24u);
}

TEST(DataNpy, ReadsFilesAsNumpyWritesThem) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("u1.npy"), npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", {0, 7, 128, 255}));
  Tensor u = data::read_npy(dir.file("u1.npy"));
  EXPECT_EQ(u.dtype(), DType::f32);
  EXPECT_EQ(u.at({1, 1}), 255.0);
  EXPECT_EQ(data::read_npy(dir.file("u1.npy"), DType::i64).at({0, 1}), 7);

  // Version 2.0 (4-byte header length) and 3.0 (utf-8 header), and the spacing numpy uses.
  data_test::write_file(dir.file("v2.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le<double>({0.5, -1}), 2));
  EXPECT_EQ(data::read_npy(dir.file("v2.npy")).at({1}), -1.0);
  data_test::write_file(dir.file("v3.npy"), npy("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(1,1)}", le<float>({2.5f}), 3));
  EXPECT_EQ(data::read_npy(dir.file("v3.npy")).shape(), (Shape{1, 1}));
  // Python 2 longs in the shape, keys in another order.
  data_test::write_file(dir.file("py2.npy"), npy("{'shape': (2L,), 'fortran_order': False, 'descr': '<i8'}", le<std::int64_t>({-3, 9})));
  EXPECT_EQ(data::read_npy(dir.file("py2.npy")).at({0}), -3);
  data_test::write_file(dir.file("scalar.npy"), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", le<float>({4.0f})));
  EXPECT_EQ(data::read_npy(dir.file("scalar.npy")).dim(), 0);
}

TEST(DataNpy, FloatToInt64OnlyForWholeNumbers) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("f.npy"), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", le<float>({1, 2, 2.5f})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("f.npy"), DType::i64); }, {"element 2", "whole number"}));
  EXPECT_EQ(data::read_npy(dir.file("f.npy"), DType::f64).at({2}), 2.5);
}

TEST(DataNpy, MissingFile) {
  EXPECT_TRUE(throws_with([] { data::read_npy("/nonexistent/x.npy"); }, {"read_npy", "/nonexistent/x.npy", "not found"}));
}

TEST(DataNpy, BadMagic) {
  data_test::TempDir dir;
  Bytes b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le<float>({1}));
  b[1] = 'X';
  data_test::write_file(dir.file("magic.npy"), b);
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("magic.npy")); }, {dir.file("magic.npy"), "at byte 0", "bad magic"}));
}

TEST(DataNpy, UnknownVersion) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("v4.npy"), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", le<float>({1}), 4));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("v4.npy")); }, {"at byte 6", "version 4.0"}));
}

TEST(DataNpy, TruncatedHeader) {
  data_test::TempDir dir;
  Bytes b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", {});
  b.resize(40);  // the header length says 118 bytes follow
  data_test::write_file(dir.file("head.npy"), b);
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("head.npy")); },
                          {dir.file("head.npy"), "at byte 8", "header length 118", "rest of the file"}));
  data_test::write_file(dir.file("tiny.npy"), {0x93, 'N', 'U'});
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("tiny.npy")); }, {"at byte 0", "truncated header"}));
}

TEST(DataNpy, MalformedHeader) {
  data_test::TempDir dir;
  const std::pair<std::string, std::string> cases[] = {
      {"{'descr': '<f4', 'fortran_order': False}", "lacks 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"},
      {"['descr', '<f4']", "'{'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "overflows int64"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "more than 8 dimensions"},
  };
  for (const auto& [dict, expected] : cases) {
    data_test::write_file(dir.file("bad.npy"), npy(dict, le<float>({1})));
    EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("bad.npy")); }, {dir.file("bad.npy"), "at byte ", "malformed header", expected}))
        << dict;
  }
}

TEST(DataNpy, UnsupportedDType) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("i4.npy"), npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", le<std::int32_t>({1})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("i4.npy")); }, {dir.file("i4.npy"), "at byte 10", "'<i4'", "'<f4', '<f8', '<i8' or '|u1'"}));
  data_test::write_file(dir.file("be.npy"), npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", le<float>({1})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("be.npy")); }, {"'>f4'", "big-endian"}));
}

TEST(DataNpy, FortranOrder) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("f.npy"), npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", le<float>({1, 2})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("f.npy")); }, {dir.file("f.npy"), "fortran_order is True", "C-order"}));
}

TEST(DataNpy, DataSizeMustMatchTheShape) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("short.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }", le<double>({1, 2})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("short.npy")); },
                          {dir.file("short.npy"), "at byte 128", "truncated data", "8000000 bytes", "holds only 16"}));
  data_test::write_file(dir.file("long.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", le<double>({1, 2})));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("long.npy")); }, {"at byte 136", "unexpected bytes after"}));
  data_test::write_file(dir.file("overflow.npy"),
                   npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", {}));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("overflow.npy")); }, {"overflows a 64-bit byte count"}));
  // No data (a size is 0), but Shape::numel would overflow int64 multiplying the others first.
  data_test::write_file(dir.file("empty.npy"),
                   npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 2, 0), }", {}));
  EXPECT_TRUE(throws_with([&] { data::read_npy(dir.file("empty.npy")); }, {dir.file("empty.npy"), "overflows a 64-bit byte count"}));
  data_test::write_file(dir.file("zero.npy"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 0), }", {}));
  EXPECT_EQ(data::read_npy(dir.file("zero.npy")).shape(), (Shape{4294967296, 0}));
}

TEST(DataNpy, WriteErrors) {
  EXPECT_TRUE(throws_with([] { data::write_npy("/nonexistent/dir/x.npy", zeros({1})); }, {"write_npy", "/nonexistent/dir/x.npy"}));
  EXPECT_TRUE(throws_with([] { data::write_npy("/tmp/x.npy", Tensor()); }, {"undefined"}));
}

}  // namespace
}  // namespace soma
