// The dashboard's routes and their HTTP server (see server.h).
#include "soma/board/server.h"

#include <fstream>
#include <sstream>

#include <httplib.h>

#include "board/embedded.h"
#include "soma/core/error.h"

namespace soma::board {

namespace {

std::string content_type(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"}, {".png", "image/png"},
      {".svg", "image/svg+xml"},                 {".json", "application/json"},       {".csv", "text/csv; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},     {".md", "text/plain; charset=utf-8"}};
  for (const auto& [ext, type] : kTypes)
    if (path.ends_with(ext)) return type;
  return "text/html; charset=utf-8";
}

Reply error(int status, const std::string& message) {
  return {status, "application/json", nlohmann::json{{"error", message}}.dump()};
}

std::string param(const std::multimap<std::string, std::string>& params, const std::string& key, std::string fallback) {
  const auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

double number_param(const std::multimap<std::string, std::string>& params, const std::string& key, double fallback) {
  const std::string text = param(params, key, "");
  if (text.empty()) return fallback;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  SOMA_CHECK(used == text.size() && used > 0, "parameter ", key, " must be a number, got '", text.substr(0, 40), "'");
  return v;
}

Reply serve_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(404, "not found");
  std::ostringstream body;
  body << in.rdbuf();
  return {200, content_type(path), body.str()};
}

}  // namespace

Reply route(RunStore& store, const std::string& path, const std::multimap<std::string, std::string>& params) {
  try {
    for (const auto& file : detail::embedded_files())
      if (path == file.url) return {200, content_type(path == "/" ? ".html" : path), std::string(file.body)};
    if (path == "/api/runs") return {200, "application/json", store.runs().dump()};
    if (path == "/api/series") {
      SeriesQuery q;
      for (auto [it, end] = params.equal_range("run"); it != end; ++it) q.runs.push_back(it->second);
      q.file = param(params, "file", q.file);
      q.column = param(params, "column", "");
      q.x = param(params, "x", q.x);
      q.smooth = number_param(params, "smooth", 0);
      const double pixels = number_param(params, "pixels", double(q.pixels));
      SOMA_CHECK(pixels >= 1 && pixels <= 100000, "parameter pixels must be in [1, 100000], got ", pixels);
      q.pixels = std::size_t(pixels);
      q.log_x = param(params, "log_x", "0") == "1";
      return {200, "application/json", store.series(q).dump()};
    }
    if (path == "/api/config") return {200, "application/json", store.config(param(params, "run", "")).dump()};
    if (path.rfind("/files/", 0) == 0) {
      const std::string rest = path.substr(7);
      const auto slash = rest.find('/');
      if (slash == std::string::npos) return error(404, "not found");
      const std::string file = store.file_path(rest.substr(0, slash), rest.substr(slash + 1));
      return file.empty() ? error(404, "not found") : serve_file(file);
    }
    return error(404, "not found");
  } catch (const std::exception& e) {
    return error(400, e.what());
  }
}

struct Server::Impl {
  Impl(RunStore& s, ServerOptions o) : store(s), options(std::move(o)) {}
  RunStore& store;
  ServerOptions options;
  httplib::Server http;
};

Server::Server(RunStore& store, ServerOptions options) : impl_(std::make_unique<Impl>(store, std::move(options))) {
  impl_->http.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
    std::multimap<std::string, std::string> params(request.params.begin(), request.params.end());
    const Reply reply = route(impl_->store, request.path, params);
    response.status = reply.status;
    // The page is live: a cached answer would show old curves.
    response.set_header("Cache-Control", "no-store");
    response.set_content(reply.body, reply.content_type.c_str());
  });
}

Server::~Server() = default;

int Server::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    const int port = impl_->http.bind_to_any_port(o.host);
    SOMA_CHECK(port > 0, "cannot listen on ", o.host, ": no free port");
    return port;
  }
  SOMA_CHECK(impl_->http.bind_to_port(o.host, o.port), "cannot listen on ", o.host, ":", o.port,
             " (is the port taken? choose another with --port)");
  return o.port;
}

void Server::listen() { impl_->http.listen_after_bind(); }

void Server::stop() { impl_->http.stop(); }

}  // namespace soma::board
