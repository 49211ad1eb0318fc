// Tests for the thread settings (src/core/threads.cpp): set_num_threads changes num_threads
// and rejects counts below one or above kMaxThreads; OpenMP's idle threads sleep unless the
// user chose otherwise; available_cpus counts what the process may use.
#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <cstdlib>
#include <string>

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

// Run by the ctest entries core.openmp_defaults.* (tests/CMakeLists.txt), each with its own
// environment: SOMA_TEST_EXPECT_WAIT names the policy libgomp must report, as its
// omp_display_env prints it (libgomp's own setting, not only the environment variable).
TEST(OpenMpDefaults, WaitPolicyIsPassiveUnlessTheUserChose) {
  const char* expected = std::getenv("SOMA_TEST_EXPECT_WAIT");
  if (!expected) GTEST_SKIP() << "run by the ctest entries core.openmp_defaults.*";
  testing::internal::CaptureStderr();
  omp_display_env(0);
  const std::string shown = testing::internal::GetCapturedStderr();
  EXPECT_NE(shown.find(std::string("OMP_WAIT_POLICY = '") + expected + "'"), std::string::npos) << shown;
  EXPECT_EQ(openmp_wait_policy(), expected);
}

TEST(OpenMpDefaults, AvailableCpusIsTheAffinityMaskAtMost) {
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_GE(available_cpus(), 1);
  EXPECT_LE(available_cpus(), CPU_COUNT(&set));
}

}  // namespace
}  // namespace soma
