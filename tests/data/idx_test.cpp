// Tests of read_idx: every type code, plain and gzipped, conversions; and one test per kind of
// damaged file, each checking that the message names the file, the offset and the problem.
#include <gtest/gtest.h>

#include <cmath>

#include "data_test_util.h"
#include "soma/data/idx.h"

namespace soma {
namespace {

using data_test::Bytes;
using data_test::throws_with;

// An IDX header: 0, 0, type, ndims, then the sizes big-endian.
Bytes idx_header(std::uint8_t type, std::initializer_list<std::uint32_t> dims) {
  Bytes b = {0, 0, type, std::uint8_t(dims.size())};
  for (auto d : dims) data_test::append_be32(b, d);
  return b;
}

TEST(DataIdx, ReadsUbytePlainAndGzipped) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {2, 3});
  for (std::uint8_t v : {0, 1, 2, 127, 200, 255}) b.push_back(v);
  data_test::write_file(dir.file("a.idx"), b);
  data_test::write_gz(dir.file("a.idx.gz"), b);
  for (const auto& path : {dir.file("a.idx"), dir.file("a.idx.gz")}) {
    Tensor t = data::read_idx(path);
    ASSERT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_EQ(t.dtype(), DType::f32);
    EXPECT_EQ(t.at({0, 1}), 1.0);
    EXPECT_EQ(t.at({1, 2}), 255.0) << "values are converted, not scaled";
    Tensor labels = data::read_idx(path, DType::i64);
    EXPECT_EQ(labels.dtype(), DType::i64);
    EXPECT_EQ(labels.at({1, 1}), 200);
  }
}

TEST(DataIdx, ReadsEveryTypeCodeBigEndian) {
  data_test::TempDir dir;
  Bytes sbyte = idx_header(0x09, {3});
  for (std::int8_t v : {-128, -1, 5}) sbyte.push_back(std::uint8_t(v));
  Bytes i16 = idx_header(0x0B, {2});
  data_test::append_be<std::int16_t>(i16, -300);
  data_test::append_be<std::int16_t>(i16, 1000);
  Bytes i32 = idx_header(0x0C, {2});
  data_test::append_be<std::int32_t>(i32, -70000);
  data_test::append_be<std::int32_t>(i32, 123456789);
  Bytes f32 = idx_header(0x0D, {1, 2});
  data_test::append_be<float>(f32, 1.5f);
  data_test::append_be<float>(f32, -0.25f);
  Bytes f64 = idx_header(0x0E, {2});
  data_test::append_be<double>(f64, 3.125);
  data_test::append_be<double>(f64, 1e300);
  data_test::write_file(dir.file("sbyte"), sbyte);
  data_test::write_file(dir.file("i16"), i16);
  data_test::write_file(dir.file("i32"), i32);
  data_test::write_file(dir.file("f32"), f32);
  data_test::write_file(dir.file("f64"), f64);

  Tensor s = data::read_idx(dir.file("sbyte"), DType::i64);
  EXPECT_EQ(s.at({0}), -128);
  EXPECT_EQ(s.at({1}), -1);
  EXPECT_EQ(data::read_idx(dir.file("i16")).at({0}), -300.0);
  EXPECT_EQ(data::read_idx(dir.file("i16")).at({1}), 1000.0);
  Tensor i = data::read_idx(dir.file("i32"), DType::i64);
  EXPECT_EQ(i.at({0}), -70000);
  EXPECT_EQ(i.at({1}), 123456789);
  Tensor f = data::read_idx(dir.file("f32"));
  EXPECT_EQ(f.shape(), (Shape{1, 2}));
  EXPECT_EQ(f.at({0, 1}), -0.25);
  Tensor d = data::read_idx(dir.file("f64"), DType::f64);
  EXPECT_EQ(d.at({0}), 3.125);
  EXPECT_EQ(d.at({1}), 1e300);
}

TEST(DataIdx, EmptyDimensionsAreFine) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("empty"), idx_header(0x08, {0, 28, 28}));
  EXPECT_EQ(data::read_idx(dir.file("empty")).shape(), (Shape{0, 28, 28}));
}

TEST(DataIdx, MissingFile) {
  data_test::TempDir dir;
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("nope.idx")); }, {"read_idx", "nope.idx", "not found"}));
}

TEST(DataIdx, BadMagic) {
  data_test::TempDir dir;
  Bytes b = {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0};
  data_test::write_file(dir.file("bad.idx"), b);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("bad.idx")); },
                          {dir.file("bad.idx"), "at byte 0", "bad magic", "12 34 08 01", "two zero bytes"}));
}

TEST(DataIdx, BadTypeCode) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("type.idx"), idx_header(0x07, {1}));
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("type.idx")); },
                          {dir.file("type.idx"), "at byte 2", "type code 07", "08 (ubyte)"}));
}

TEST(DataIdx, TooManyDimensions) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("dims.idx"), {0, 0, 0x08, 9});
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("dims.idx")); }, {"at byte 3", "9 dimensions", "at most 8"}));
}

TEST(DataIdx, TruncatedHeader) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {2, 3, 4});
  b.resize(10);  // the third size is cut
  data_test::write_file(dir.file("head.idx"), b);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("head.idx")); },
                          {dir.file("head.idx"), "at byte 4", "truncated header", "expected 12 bytes", "ends at byte 10"}));
  data_test::write_file(dir.file("short.idx"), {0, 0});
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("short.idx")); }, {"at byte 0", "truncated header"}));
}

TEST(DataIdx, DimensionProductOverflows) {
  data_test::TempDir dir;
  data_test::write_file(dir.file("overflow.idx"), idx_header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}));
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("overflow.idx")); },
                          {dir.file("overflow.idx"), "at byte 4", "4294967295 x 4294967295 x 4294967295", "overflow"}));
}

TEST(DataIdx, EmptyShapeWhoseOtherSizesOverflowIsRefused) {
  // No data (a size is 0), but Shape::numel would overflow int64 multiplying the others first.
  data_test::TempDir dir;
  data_test::write_file(dir.file("empty.idx"), idx_header(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0}));
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("empty.idx")); },
                          {dir.file("empty.idx"), "at byte 4", "4294967295 x 4294967295 x 0", "overflow"}));
  data_test::write_file(dir.file("fits.idx"), idx_header(0x0E, {0xFFFFFFFF, 0, 0xFFFF}));
  EXPECT_EQ(data::read_idx(dir.file("fits.idx")).shape(), (Shape{0xFFFFFFFF, 0, 0xFFFF}));
}

TEST(DataIdx, DimensionsClaimMoreThanThePlainFileHolds) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {60000, 28, 28});
  b.resize(b.size() + 100);
  data_test::write_file(dir.file("claim.idx"), b);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("claim.idx")); },
                          {dir.file("claim.idx"), "at byte 16", "47040000 bytes", "holds only 100"}));
}

TEST(DataIdx, DimensionsClaimMoreThanTheGzipFileCanHold) {
  // 2^31 bytes claimed by a gzip file of a few dozen bytes: refused before any allocation.
  data_test::TempDir dir;
  data_test::write_gz(dir.file("claim.idx.gz"), idx_header(0x08, {65536, 32768}));
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("claim.idx.gz")); },
                          {dir.file("claim.idx.gz"), "at byte 12 of the decompressed data", "2147483648 bytes",
                           "gzip file can hold"}));
}

TEST(DataIdx, TruncatedBody) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {10, 10});
  b.resize(b.size() + 60);  // 100 bytes claimed, 60 present
  data_test::write_gz(dir.file("body.idx.gz"), b);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("body.idx.gz")); },
                          {dir.file("body.idx.gz"), "at byte 12", "truncated body", "expected 100 bytes",
                           "ends at byte 72"}));
}

TEST(DataIdx, DamagedGzipStream) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {1000});
  for (int i = 0; i < 1000; ++i) b.push_back(std::uint8_t(i * 7919 % 251));  // poorly compressible
  data_test::write_gz(dir.file("ok.gz"), b);
  Bytes gz = data_test::read_file(dir.file("ok.gz"));
  gz.resize(gz.size() / 2);  // the stream stops mid-way, without its trailer
  data_test::write_file(dir.file("cut.gz"), gz);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("cut.gz")); }, {dir.file("cut.gz"), "of the decompressed data", "body"}));
}

TEST(DataIdx, GzipChecksumMismatch) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {4});
  b.insert(b.end(), {1, 2, 3, 4});
  data_test::write_gz(dir.file("ok.gz"), b);
  Bytes gz = data_test::read_file(dir.file("ok.gz"));
  gz[gz.size() - 8] ^= 0xff;  // the CRC-32 of the trailer
  data_test::write_file(dir.file("crc.gz"), gz);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("crc.gz")); }, {dir.file("crc.gz"), "damaged gzip data"}));
}

TEST(DataIdx, TrailingBytesAfterTheBody) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {2});
  b.insert(b.end(), {1, 2, 3});
  data_test::write_file(dir.file("tail.idx"), b);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("tail.idx")); }, {"at byte 10", "unexpected data after"}));
}

TEST(DataIdx, FloatDataAsInt64MustBeWholeNumbers) {
  data_test::TempDir dir;
  Bytes whole = idx_header(0x0D, {2}), frac = idx_header(0x0D, {2});
  data_test::append_be<float>(whole, 3.0f);
  data_test::append_be<float>(whole, -2.0f);
  data_test::append_be<float>(frac, 3.0f);
  data_test::append_be<float>(frac, 0.5f);
  data_test::write_file(dir.file("whole"), whole);
  data_test::write_file(dir.file("frac"), frac);
  EXPECT_EQ(data::read_idx(dir.file("whole"), DType::i64).at({1}), -2);
  EXPECT_TRUE(throws_with([&] { data::read_idx(dir.file("frac"), DType::i64); }, {"at byte 12", "element 1", "whole number"}));
}

// predict --max-rows 5 on a gzip file that promises a gigabyte read and converted all of it:
// with max_rows only those rows are read, and idx_shape reads the header alone.
TEST(DataIdx, MaxRowsReadsOnlyTheFirstRows) {
  data_test::TempDir dir;
  Bytes b = idx_header(0x08, {4, 3});
  for (int i = 0; i < 12; ++i) b.push_back(std::uint8_t(i));
  data_test::write_gz(dir.file("a.idx.gz"), b);
  const Tensor t = data::read_idx(dir.file("a.idx.gz"), DType::f32, 2);
  ASSERT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.at({1, 2}), 5.0);
  EXPECT_EQ(data::read_idx(dir.file("a.idx.gz"), DType::f32, 10).shape(), (Shape{4, 3}));
  EXPECT_EQ(data::idx_shape(dir.file("a.idx.gz")), (Shape{4, 3}));
  // A body cut short after the rows asked for: they are read, the rest is never looked at.
  Bytes claim = idx_header(0x08, {50, 784});
  for (int i = 0; i < 2 * 784; ++i) claim.push_back(std::uint8_t(i * 7919 % 251));  // poorly compressible
  data_test::write_gz(dir.file("claim.idx.gz"), claim);
  EXPECT_EQ(data::read_idx(dir.file("claim.idx.gz"), DType::f32, 2).shape(), (Shape{2, 784}));
  EXPECT_EQ(data::idx_shape(dir.file("claim.idx.gz")), (Shape{50, 784}));
  EXPECT_THROW(data::read_idx(dir.file("claim.idx.gz")), Error);  // all of it: truncated
}

}  // namespace
}  // namespace soma
