// libFuzzer harness: data::read_csv on any text; the first byte picks the options (header or
// not, the label column by name, index or none, the delimiter), the rest is the file.
#include <soma/data/csv.h>

#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t pick = data[0];
  soma::data::CsvOptions options;
  options.header = pick & 1;
  switch ((pick >> 1) & 3) {
    case 0: break;
    case 1: options.label_column = std::string("label"); break;
    case 2: options.label_column = std::int64_t(0); break;
    case 3: options.label_column = std::int64_t(-1); break;
  }
  options.delimiter = ",;\t "[(pick >> 3) & 3];
  const soma::fuzz::FuzzFile file(data + 1, size - 1, ".csv");
  try {
    soma::data::read_csv(file.path(), options);
  } catch (const soma::Error& e) {
    file.check_names_file(e);
  }
  return 0;
}
