// Grad mode: whether ops record the graph. Thread-local, switched by RAII guards.
#pragma once

namespace soma {

/// True unless a NoGradGuard is alive on this thread.
bool is_grad_enabled();

/// Disables graph recording for its lifetime (inference, optimizer updates):
///   { NoGradGuard no_grad; auto y = net(x); }
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace soma
