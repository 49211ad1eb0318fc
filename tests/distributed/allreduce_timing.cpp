// Not a test: measures the Communicator's float32 allreduce (start + wait, as the gradient hook
// does) for message sizes from 4 bytes to 64 MiB, for the alpha-beta fit of docs/distributed.md.
//   mpirun -np 2 build/bin/soma_allreduce_timing     prints "bytes median_seconds" per size
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "soma/distributed/communicator.h"

int main() {
  soma::distributed::Communicator comm;
  for (std::int64_t count = 1; count <= (std::int64_t(16) << 20); count *= 4) {
    std::vector<float> data(static_cast<std::size_t>(count), 1.0f);
    const int repeats = count < (1 << 16) ? 200 : count < (1 << 22) ? 20 : 7;
    std::vector<double> seconds;
    for (int i = 0; i < repeats + 2; ++i) {
      comm.any(false, "lining up");  // start together
      const auto start = std::chrono::steady_clock::now();
      comm.start_allreduce_sum(data.data(), count, soma::DType::f32);
      comm.wait_all("allreduce");
      if (i >= 2) seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(seconds.begin(), seconds.begin() + std::ptrdiff_t(seconds.size() / 2), seconds.end());
    if (comm.rank() == 0) std::printf("%lld %.9f\n", static_cast<long long>(4 * count), seconds[seconds.size() / 2]);
  }
  return 0;
}
