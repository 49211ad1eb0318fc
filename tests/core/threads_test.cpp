// Tests for the thread settings (src/core/threads.cpp): set_num_threads changes num_threads
// and rejects counts below one or above kMaxThreads.
#include <gtest/gtest.h>

#include "soma/core/error.h"
#include "soma/core/threads.h"

namespace soma {
namespace {

TEST(ThreadsTest, SetNumThreadsChangesTheCount) {
  const int before = num_threads();
  EXPECT_GE(before, 1);
  set_num_threads(1);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(3);
  EXPECT_EQ(num_threads(), 3);
  set_num_threads(before);
  EXPECT_EQ(num_threads(), before);
}

TEST(ThreadsTest, SetNumThreadsRejectsLessThanOne) {
  const int before = num_threads();
  try {
    set_num_threads(0);
    ADD_FAILURE() << "set_num_threads(0) did not throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "set_num_threads: expected 1 to 1024 threads, got 0");
  }
  EXPECT_THROW(set_num_threads(-4), Error);
  EXPECT_THROW(set_num_threads(100000), Error);  // more threads than any machine: a crash before
  EXPECT_EQ(num_threads(), before);  // a rejected call changes nothing
}

}  // namespace
}  // namespace soma
