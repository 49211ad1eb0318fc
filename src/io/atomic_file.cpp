// Atomic file writes (see soma/io/atomic_file.h) with POSIX calls: stdio buffers hide write
// errors until fclose and cannot fsync. The order write, fsync(file), rename, fsync(folder) is
// what makes the swap durable: without the first fsync a crash can leave the renamed file
// empty (ext4 delayed allocation); without the second the rename itself can be lost.
#include "soma/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "soma/core/error.h"

namespace soma::io {
namespace {

// Distinguishes temporary files of several writers in one process (threads, nested saves).
std::atomic<unsigned> temp_counter{0};

std::string folder_of(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

// Makes the rename itself durable. Some filesystems cannot fsync a folder and say EINVAL;
// the rename has happened there and nothing more can be done, so that is not an error.
void sync_folder(const std::string& path) {
  const std::string folder = folder_of(path);
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  SOMA_CHECK(fd >= 0, "cannot write '", path, "': opening its folder '", folder, "' to sync it: ",
             std::strerror(errno));
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL;
  const int error = errno;
  ::close(fd);
  SOMA_CHECK(synced, "cannot write '", path, "': the file is in place but syncing its folder '", folder,
             "' failed: ", std::strerror(error));
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string name = std::filesystem::path(path_).filename().string();
  SOMA_CHECK(!name.empty() && name != "." && name != "..", "cannot write '", path_, "': not a file name");
  const std::string folder = std::filesystem::path(path_).parent_path().string();
  const std::string stem = (folder.empty() ? "" : folder + "/") + "." + name + "." + std::to_string(::getpid()) + ".";
  // O_EXCL never opens someone else's file; a name left by a crashed run of the same pid is
  // skipped by trying the next number.
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path_ = stem + std::to_string(temp_counter.fetch_add(1)) + ".tmp";
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  SOMA_CHECK(fd_ >= 0, "cannot write '", path_, "': creating the temporary file '", temp_path_,
             "' failed: ", std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  SOMA_CHECK(fd_ >= 0 && !committed_, "cannot write '", path_, "': the file was already ",
             committed_ ? "committed" : "abandoned after an error");
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // write() returns 0 only for a zero-byte request; treat it as "no space" to avoid spinning.
      const int error = n < 0 ? errno : ENOSPC;
      discard();
      detail::throw_error("cannot write '", path_, "': ", std::strerror(error));
    }
    p += n;
    left -= std::size_t(n);
  }
}

void AtomicFile::commit() {
  SOMA_CHECK(fd_ >= 0 && !committed_, "cannot write '", path_, "': the file was already ",
             committed_ ? "committed" : "abandoned after an error");
  auto fail = [&](const char* step) {
    const int error = errno;
    discard();
    detail::throw_error("cannot write '", path_, "': ", step, ": ", std::strerror(error));
  };
  if (::fsync(fd_) != 0) fail("syncing the data to disk");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("closing the temporary file");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("renaming the temporary file over it");
  committed_ = true;
  temp_path_.clear();
  sync_folder(path_);
}

void write_file_atomic(const std::string& path, std::span<const std::byte> bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace soma::io
