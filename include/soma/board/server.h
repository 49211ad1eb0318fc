// The dashboard's HTTP server: the page (HTML, JavaScript, CSS and uPlot, compiled in), a JSON
// API over a RunStore, and the run folders' pictures. Read-only, GET only, and by default on
// 127.0.0.1 alone. route() answers a request without any socket, so the routes are tested
// directly; Server puts it behind cpp-httplib.
//   GET /                      the page            GET /api/runs           RunStore::runs()
//   GET /api/series?run=A&run=B&file=steps&column=loss&x=step&smooth=0.6&pixels=800&log_x=1
//   GET /api/config?run=A      config.json          GET /files/RUN/FILE     RunStore::file_path()
#pragma once

#include <map>
#include <memory>
#include <string>

#include "soma/board/run_store.h"

namespace soma::board {

/// An HTTP answer, independent of the HTTP library.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// Answers GET `path` (decoded) with query `params` (decoded) from `store`. A bad query is a 400
/// with the reason, an unknown path or a file the store will not serve a 404; never throws.
Reply route(RunStore& store, const std::string& path, const std::multimap<std::string, std::string>& params);

struct ServerOptions {
  std::string host = "127.0.0.1";  ///< the only interface listened on
  int port = 6006;                 ///< 0: any free port (bind() says which)
};

class Server {
 public:
  Server(RunStore& store, ServerOptions options);
  ~Server();
  /// Binds the socket; returns the port. Throws soma::Error when it cannot (port taken).
  int bind();
  /// Serves until stop() (from another thread).
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soma::board
