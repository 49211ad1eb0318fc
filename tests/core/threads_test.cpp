// Tests for the thread settings (src/core/threads.cpp): set_num_threads changes num_threads
// and rejects counts below one or above kMaxThreads; OpenMP's idle threads sleep unless the
// user chose otherwise; available_cpus counts what the process may use.
#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <chrono>
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

// An iteration that lasts `all` seconds while several threads are in force and `one` at one
// thread (a busy wait on the clock, so the machine's load does not change it).
void iteration(double all, double one) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(num_threads() > 1 ? all : one);
  while (std::chrono::steady_clock::now() < until) {
  }
}

TEST(AdaptiveThreadsTest, KeepsAllThreadsWhileTheyAreFaster) {
  const int before = num_threads();
  {
    AdaptiveThreads threads(4);
    for (int i = 0; i < 40; ++i) threads.tick(), iteration(0.0005, 0.002);
    EXPECT_EQ(num_threads(), 4);
    EXPECT_GT(threads.iterations_at(true), threads.iterations_at(false));
    EXPECT_GE(threads.iterations_at(false), 3);  // it did try one thread
  }
  EXPECT_EQ(num_threads(), before);  // restored
}

TEST(AdaptiveThreadsTest, FallsBackToOneThreadWhenThatIsFaster) {
  AdaptiveThreads threads(2);
  for (int i = 0; i < 40; ++i) threads.tick(), iteration(0.002, 0.0005);
  EXPECT_EQ(num_threads(), 1);
  EXPECT_GT(threads.iterations_at(false), threads.iterations_at(true));
}

TEST(AdaptiveThreadsTest, ProbesAgainAtOnceWhenTheMachineGetsBusy) {
  AdaptiveThreads threads(2);
  for (int i = 0; i < 20; ++i) threads.tick(), iteration(0.0005, 0.001);
  ASSERT_EQ(num_threads(), 2);
  // Now several threads got four times slower (another process took a core): well before the
  // next scheduled probe (4 s away), it moves to one thread.
  for (int i = 0; i < 20; ++i) threads.tick(), iteration(0.002, 0.001);
  EXPECT_EQ(num_threads(), 1);
}

TEST(AdaptiveThreadsTest, LeavesAChosenCountAlone) {
  const int before = num_threads();
  set_num_threads(3);  // a choice: the default rule must not adapt it
  {
    AdaptiveThreads threads;
    EXPECT_FALSE(threads.active());
    for (int i = 0; i < 10; ++i) threads.tick(), iteration(0.0005, 0.0001);
    EXPECT_EQ(num_threads(), 3);
  }
  set_num_threads(before);
  EXPECT_THROW(AdaptiveThreads(-1), Error);
}

}  // namespace
}  // namespace soma
