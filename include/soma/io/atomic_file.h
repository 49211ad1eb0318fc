// Atomic file writes: a reader of `path` sees the old file or the complete new one, never a
// half-written file, even after a crash or power loss. The bytes go to a temporary file in the
// same folder, which is fsynced, renamed over the target, and the folder fsynced.
// Not a file-locking scheme: two writers of one path race, and the last rename wins.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace soma::io {

/// A file written in pieces that appears at its path only on commit():
///   io::AtomicFile file("run/checkpoint.safetensors");
///   file.write(header);  file.write(data);
///   file.commit();       // now the target holds exactly header + data
/// Without a successful commit() (an exception, an early return) the destructor removes the
/// temporary file and the target keeps its old content, or stays absent.
/// The temporary file is `.<name>.<pid>.<n>.tmp` beside the target; the new file gets the usual
/// permissions (0666 less the umask). A symbolic link at `path` is replaced, not followed.
class AtomicFile {
 public:
  /// Creates the temporary file. Throws soma::Error naming `path` and the system's reason
  /// when it cannot be created (a missing or read-only folder, a name too long).
  explicit AtomicFile(std::string path);
  /// Removes the temporary file unless commit() succeeded. Never throws.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends `bytes`. Throws soma::Error naming the path and the reason (disk full, file too
  /// large); the temporary file is then removed at once and the object can only be destroyed.
  void write(std::span<const std::byte> bytes);
  void write(std::string_view text) { write(std::as_bytes(std::span(text.data(), text.size()))); }
  /// Flushes the data to disk, renames the temporary file over the target and flushes the
  /// folder. Throws soma::Error naming the path on failure, with the target untouched when the
  /// failure came before the rename. Requires: not committed yet, no failed write.
  void commit();

  /// The target path.
  const std::string& path() const { return path_; }

 private:
  void discard() noexcept;

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically (see AtomicFile): afterwards the file holds exactly
/// `bytes`; on failure it holds what it held before and no temporary file is left.
/// Throws soma::Error naming `path` and the system's reason (strerror text).
void write_file_atomic(const std::string& path, std::span<const std::byte> bytes);

}  // namespace soma::io
