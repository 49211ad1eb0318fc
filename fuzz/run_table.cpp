// libFuzzer harness: a run folder's metrics.csv or steps.csv as train::RunFolderSink reads it
// back on --resume (RunFolderSink::read_table).
#include <soma/train/run_folder.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const soma::fuzz::FuzzFile file(data, size, ".csv");
  try {
    soma::train::RunFolderSink::read_table(file.path());
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  return 0;
}
