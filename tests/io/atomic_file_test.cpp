// Tests for io::AtomicFile and write_file_atomic: the target holds the old bytes or the new
// ones, never a mix; failures (missing folder, long name, a directory in the way, a write
// that runs out of room) throw naming the path and the reason and leave no temporary file.
#include "soma/io/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <string>

#include "io/io_test_util.h"

namespace {

using soma::io::AtomicFile;
using soma::io::write_file_atomic;
using soma::test::error_of;
using soma::test::read_file;
using soma::test::write_file;

class IoAtomicFile : public soma::test::IoTest {};

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Limits the size of files this process may write, so that write() fails with EFBIG part-way
// through: a real I/O failure without a full disk. Restores the limit and SIGXFSZ (whose
// default action would kill the process) on destruction.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace

TEST_F(IoAtomicFile, WritesExactBytesAndReplacesTheOldFile) {
  const std::string target = path("out.bin");
  std::string bytes(10000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = char(i * 7);
  write_file_atomic(target, bytes_of(bytes));
  EXPECT_EQ(read_file(target), bytes);
  write_file_atomic(target, bytes_of("short"));
  EXPECT_EQ(read_file(target), "short");
  write_file_atomic(target, {});
  EXPECT_EQ(read_file(target), "");
  EXPECT_EQ(listing(), std::vector<std::string>{"out.bin"});
}

TEST_F(IoAtomicFile, StreamsPiecesAndAppearsOnlyOnCommit) {
  const std::string target = path("model.bin");
  write_file(target, "old");
  {
    AtomicFile file(target);
    file.write("new ");
    file.write(bytes_of("content"));
    EXPECT_EQ(read_file(target), "old");  // not visible before commit
    EXPECT_EQ(listing().size(), 2u);      // the temporary file sits beside the target
    file.commit();
  }
  EXPECT_EQ(read_file(target), "new content");
  EXPECT_EQ(listing(), std::vector<std::string>{"model.bin"});
}

TEST_F(IoAtomicFile, AbandonedWriteLeavesOldFileAndNoTemporary) {
  const std::string target = path("ckpt.bin");
  write_file(target, "previous checkpoint");
  try {
    AtomicFile file(target);
    file.write("half of a new checkp");
    throw std::runtime_error("training crashed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(target), "previous checkpoint");
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.bin"});
}

TEST_F(IoAtomicFile, MissingFolderNamesPathAndReason) {
  const std::string target = path("no/such/folder/out.bin");
  const std::string message = error_of([&] { write_file_atomic(target, bytes_of("x")); });
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  EXPECT_TRUE(listing().empty());
}

TEST_F(IoAtomicFile, NameTooLongNamesPathAndReason) {
  const std::string target = path(std::string(300, 'n'));
  const std::string message = error_of([&] { write_file_atomic(target, bytes_of("x")); });
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_NE(message.find("File name too long"), std::string::npos) << message;
  EXPECT_TRUE(listing().empty());
}

TEST_F(IoAtomicFile, FailedRenameLeavesTargetAndNoTemporary) {
  // A non-empty folder where the file should go: every step succeeds until the rename.
  const std::string target = path("taken");
  soma::test::fs::create_directories(target);
  write_file(target + "/inside", "keep me");
  const std::string message = error_of([&] { write_file_atomic(target, bytes_of("new")); });
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_NE(message.find("renaming"), std::string::npos) << message;
  EXPECT_EQ(read_file(target + "/inside"), "keep me");
  EXPECT_EQ(listing(), std::vector<std::string>{"taken"});
}

TEST_F(IoAtomicFile, FailedWriteLeavesOldFileIntactAndNoTemporary) {
  const std::string target = path("weights.bin");
  const std::string old_bytes(3000, 'o');
  write_file(target, old_bytes);
  const std::string new_bytes(8192, 'n');
  std::string message;
  {
    FileSizeLimit limit(4096);  // the new file fails half-way through
    message = error_of([&] { write_file_atomic(target, bytes_of(new_bytes)); });
  }
  EXPECT_NE(message.find(target), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(read_file(target), old_bytes);
  EXPECT_EQ(listing(), std::vector<std::string>{"weights.bin"});
}

TEST_F(IoAtomicFile, UseAfterCommitOrFailureThrows) {
  AtomicFile file(path("a.bin"));
  file.write("x");
  file.commit();
  EXPECT_NE(error_of([&] { file.write("y"); }).find("already committed"), std::string::npos);
  EXPECT_NE(error_of([&] { file.commit(); }).find("already committed"), std::string::npos);
  EXPECT_EQ(read_file(path("a.bin")), "x");
}

TEST_F(IoAtomicFile, ConcurrentWritersUseDistinctTemporariesAndLastCommitWins) {
  const std::string target = path("same.bin");
  AtomicFile first(target), second(target);
  first.write("first");
  second.write("second");
  EXPECT_EQ(listing().size(), 2u);
  second.commit();
  first.commit();
  EXPECT_EQ(read_file(target), "first");
  EXPECT_EQ(listing(), std::vector<std::string>{"same.bin"});
}

TEST_F(IoAtomicFile, PathWithoutFileNameIsRejected) {
  const std::string message = error_of([&] { write_file_atomic(dir_.string() + "/", bytes_of("x")); });
  EXPECT_NE(message.find("not a file name"), std::string::npos) << message;
}
