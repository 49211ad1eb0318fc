// Small readers of a run folder's files for the run list, each cheap whatever the run's length:
// a CSV file's header and last line, the pictures a run wrote, which lock files a live process
// holds. None throws for what a file holds.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace soma::board::detail {

/// A CSV file's header and its last complete line (read from the file's two ends).
struct CsvEnds {
  std::vector<std::string> columns;
  std::vector<double> last;   ///< empty when there is no complete row or it does not parse
  std::int64_t bytes = -1;    ///< the file's size; -1 when it is missing
};
CsvEnds read_csv_ends(const std::string& path);

/// The pictures of a run folder: "samples_epoch_3.png" -> {"samples": [3]}, epochs sorted.
std::map<std::string, std::vector<int>> list_pictures(const std::string& dir);

/// The inodes of the files that some process holds an flock on now (Linux's /proc/locks): a run
/// whose run.json says "running" is running only while its writer holds its lock file.
std::set<std::uint64_t> held_flock_inodes();

}  // namespace soma::board::detail
