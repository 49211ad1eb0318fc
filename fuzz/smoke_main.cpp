// The fuzz smoke of `make test` (ctest fuzz.smoke.<name>): runs one harness, built with any
// compiler, over its committed corpus and then over a fixed number of mutations of it, drawn
// from a seeded generator, so every run tries the same inputs. Not a fuzzer (no coverage
// feedback): it keeps the harnesses building and the corpus passing, and catches regressions.
//   fuzz_smoke_npy fuzz/corpus/npy 2000 1    # corpus folder, mutations, seed
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

// splitmix64: small, and the same sequence on every platform.
struct Random {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n ? std::size_t(next() % n) : 0; }
};

// libFuzzer's simplest moves: flip a bit, set a byte to a boundary value, write a 32-bit
// boundary value (sizes in headers), insert, erase, duplicate a run, cut the tail.
void mutate(Bytes& b, Random& rng) {
  static const std::uint8_t kBytes[] = {0, 1, 0x7F, 0x80, 0xFF, '0', '9', '-', '.', 'e', '"', '{', '[', ','};
  static const std::uint32_t kWords[] = {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 0xFFFF};
  switch (rng.below(b.empty() ? 1 : 7)) {
    case 0: b.insert(b.begin() + std::ptrdiff_t(rng.below(b.size() + 1)), kBytes[rng.below(std::size(kBytes))]); break;
    case 1: b[rng.below(b.size())] ^= std::uint8_t(1u << rng.below(8)); break;
    case 2: b[rng.below(b.size())] = kBytes[rng.below(std::size(kBytes))]; break;
    case 3: {
      const std::uint32_t w = kWords[rng.below(std::size(kWords))];
      const std::size_t at = rng.below(b.size());
      for (std::size_t i = 0; i < 4 && at + i < b.size(); ++i) b[at + i] = std::uint8_t(w >> (8 * (rng.below(2) ? i : 3 - i)));
      break;
    }
    case 4: b.erase(b.begin() + std::ptrdiff_t(rng.below(b.size()))); break;
    case 5: {
      const std::size_t at = rng.below(b.size()), n = std::min<std::size_t>(1 + rng.below(16), b.size() - at);
      const Bytes run(b.begin() + std::ptrdiff_t(at), b.begin() + std::ptrdiff_t(at + n));
      b.insert(b.begin() + std::ptrdiff_t(rng.below(b.size() + 1)), run.begin(), run.end());
      break;
    }
    case 6: b.resize(rng.below(b.size())); break;
  }
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs the harness; an exception it lets through is a finding: say which input, save it.
bool run(const Bytes& input, const std::string& what) {
  try {
    LLVMFuzzerTestOneInput(input.data(), input.size());
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: uncaught exception: %s\n", what.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: uncaught exception of an unknown type\n", what.c_str());
  }
  std::ofstream("fuzz_smoke_failure.bin", std::ios::binary).write(reinterpret_cast<const char*>(input.data()),
                                                                  std::streamsize(input.size()));
  std::fprintf(stderr, "the input is saved in fuzz_smoke_failure.bin\n");
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR MUTATIONS SEED\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) {
    std::fprintf(stderr, "%s: no corpus files\n", argv[1]);
    return 2;
  }
  std::vector<Bytes> corpus;
  for (const auto& path : paths) {
    corpus.push_back(read_file(path));
    if (!run(corpus.back(), path.string())) return 1;
  }
  const long mutations = std::stol(argv[2]);
  Random rng{std::stoull(argv[3])};
  for (long i = 0; i < mutations; ++i) {
    const std::size_t pick = rng.below(corpus.size());
    Bytes input = corpus[pick];
    const std::size_t moves = 1 + rng.below(4);
    for (std::size_t m = 0; m < moves; ++m) mutate(input, rng);
    if (!run(input, "mutation " + std::to_string(i) + " of " + paths[pick].filename().string())) return 1;
  }
  std::printf("%zu corpus files and %ld mutations passed\n", corpus.size(), mutations);
  return 0;
}
