// What soma's caching allocator (src/core/storage.cpp) has done so far: a test and
// benchmark aid for checking that a training step's steady state allocates nothing new.
#pragma once

#include <cstdint>

namespace soma::detail {

/// How many Storage blocks so far came from the system rather than from the allocator's
/// cache (all threads). A training step in its steady state adds none
/// (tests/nn/steady_state_test.cpp).
std::uint64_t storage_blocks_from_system();

}  // namespace soma::detail
