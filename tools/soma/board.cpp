// soma board: serves the live training dashboard of a runs folder (docs/board.md) until
// Ctrl-C or SIGTERM. Without the board layer (no cpp-httplib or uPlot at build time) it says
// how to get it.
#include <csignal>
#include <cstdio>
#include <thread>

#include "commands.h"

#if SOMA_WITH_BOARD
#include <soma/board/server.h>
#endif

namespace soma::cli {

int board(const BoardArgs& args) {
#if SOMA_WITH_BOARD
  board::RunStore store(args.runs_dir);
  board::Server server(store, {.host = args.host, .port = args.port});
  // Signals go to one thread, which stops the server: stop() is not safe in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts, so all inherit it
  const int port = server.bind();
  std::printf("soma board: http://%s:%d/ serving %s (Ctrl-C to stop)\n", args.host.c_str(), port,
              store.dir().c_str());
  std::fflush(stdout);
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.listen();
  // listen() also returns when it fails; the waiter then still waits for a signal.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
#else
  (void)args;
  std::fprintf(stderr, "soma: this soma was built without the dashboard: install libcpp-httplib-dev and the npm "
                       "package uplot (scripts/install-deps.sh) and build again\n");
  return 1;
#endif
}

}  // namespace soma::cli
