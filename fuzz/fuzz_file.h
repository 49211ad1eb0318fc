// The fuzzer's bytes as a file: soma's readers take paths, not buffers. One file per process,
// rewritten for every input (in /dev/shm when there is one, to spare the disk).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <exception>
#include <string>

namespace soma::fuzz {

class FuzzFile {
 public:
  /// Writes `size` bytes to a file of this process whose name ends in `suffix` (".npy").
  FuzzFile(const std::uint8_t* data, std::size_t size, const std::string& suffix) {
    const char* dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    path_ = std::string(dir) + "/soma_fuzz_" + std::to_string(::getpid()) + suffix;
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
      std::perror(path_.c_str());
      std::abort();  // not the reader's fault: stop rather than fuzz a stale file
    }
  }
  ~FuzzFile() { std::remove(path_.c_str()); }
  FuzzFile(const FuzzFile&) = delete;
  FuzzFile& operator=(const FuzzFile&) = delete;
  const std::string& path() const { return path_; }
  /// For a soma::Error the reader threw: every such message must name the file; aborts (a
  /// finding) when it does not.
  void check_names_file(const std::exception& e) const {
    if (std::string(e.what()).find(path_) == std::string::npos) {
      std::fprintf(stderr, "error message without the file name %s: %s\n", path_.c_str(), e.what());
      std::abort();
    }
  }

 private:
  std::string path_;
};

}  // namespace soma::fuzz
