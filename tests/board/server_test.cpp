// The dashboard's routes, called directly and through a real socket on 127.0.0.1: the page and
// uPlot are served from the binary, the API answers, and no path leaves the runs folder.
#include <gtest/gtest.h>

#include <thread>

#include <httplib.h>

#include <soma/board/server.h>

#include "fixture.h"

using namespace soma::board;
using soma::board::testing::RunsFolder;
using nlohmann::json;

namespace {

Reply get(RunStore& store, const std::string& path, std::multimap<std::string, std::string> params = {}) {
  return route(store, path, params);
}

void fill(const RunsFolder& f) {
  f.write("r", "run.json", R"({"status": "finished"})");
  f.write("r", "config.json", R"({"epochs": 3})");
  f.write("r", "steps.csv", "step,epoch,loss\n1,0,2\n2,0,1\n");
  f.write("r", "samples_epoch_1.png", "PNGDATA");
}

}  // namespace

TEST(BoardRoutes, ServeThePageAndUPlotFromTheBinary) {
  RunsFolder f;
  RunStore store(f.dir.string());
  const Reply page = get(store, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/board.js\">"), std::string::npos);
  EXPECT_EQ(page.body.find("http"), std::string::npos);  // nothing from the network
  const Reply uplot = get(store, "/uPlot.iife.min.js");
  EXPECT_EQ(uplot.status, 200);
  EXPECT_EQ(uplot.content_type, "text/javascript; charset=utf-8");
  EXPECT_GT(uplot.body.size(), 30000u);
  EXPECT_NE(uplot.body.find("uPlot"), std::string::npos);
  EXPECT_EQ(get(store, "/uPlot.min.css").status, 200);
  EXPECT_EQ(get(store, "/board.css").status, 200);
  EXPECT_EQ(get(store, "/nothing").status, 404);
}

TEST(BoardRoutes, AnswerTheApi) {
  RunsFolder f;
  fill(f);
  RunStore store(f.dir.string());
  const json runs = json::parse(get(store, "/api/runs").body);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["name"], "r");
  const Reply series = get(store, "/api/series", {{"run", "r"}, {"column", "loss"}, {"smooth", "0.5"}, {"pixels", "300"}});
  ASSERT_EQ(series.status, 200) << series.body;
  const json s = json::parse(series.body)["series"];
  EXPECT_EQ(s[0]["x"], json::parse("[1, 2]"));
  EXPECT_DOUBLE_EQ(s[0]["y"][1].get<double>(), (0.25 * 2 + 0.5 * 1) / 0.75);
  EXPECT_EQ(json::parse(get(store, "/api/config", {{"run", "r"}}).body), json::parse(R"({"epochs": 3})"));
  EXPECT_EQ(get(store, "/api/config", {{"run", "nope"}}).body, "null");
  const Reply bad = get(store, "/api/series", {{"run", "r"}, {"column", "loss"}, {"pixels", "lots"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("pixels must be a number"), std::string::npos);
  EXPECT_EQ(get(store, "/api/series", {{"run", "r"}, {"column", "loss"}, {"smooth", "2"}}).status, 400);
  const Reply png = get(store, "/files/r/samples_epoch_1.png");
  EXPECT_EQ(png.status, 200);
  EXPECT_EQ(png.content_type, "image/png");
  EXPECT_EQ(png.body, "PNGDATA");
}

TEST(BoardRoutes, PathTraversalServesNothing) {
  RunsFolder f;
  fill(f);
  f.write("outside_secret", "x.txt", "secret");  // not a run: no run files in it
  RunStore store(f.dir.string());
  for (const char* path : {"/files/r/../../etc/passwd", "/files/../r/steps.csv", "/files/r/..", "/files/r/",
                           "/files/r", "/files/outside_secret/x.txt", "/files/r/%2e%2e/x", "/../etc/passwd",
                           "/files//etc/passwd", "/files/r/steps.csv/..", "/files/r/lock"})
    EXPECT_EQ(get(store, path).status, 404) << path;
  EXPECT_EQ(get(store, "/files/r/steps.csv").status, 200);
}

TEST(BoardServer, ListensOnLoopbackAndRefusesTraversalOverHttp) {
  RunsFolder f;
  fill(f);
  RunStore store(f.dir.string());
  Server server(store, {.host = "127.0.0.1", .port = 0});
  const int port = server.bind();
  std::thread serving([&] { server.listen(); });
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  const auto runs = client.Get("/api/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_EQ(json::parse(runs->body)[0]["name"], "r");
  EXPECT_EQ(runs->get_header_value("Cache-Control"), "no-store");
  // Encoded and raw dot segments, as a browser would never send but an attacker would.
  for (const char* path : {"/files/r/..%2f..%2f..%2fetc%2fpasswd", "/files/%2e%2e/%2e%2e/etc/passwd",
                           "/files/r/../../../etc/passwd", "/files/r/%2e%2e%2f%2e%2e%2fetc%2fpasswd"}) {
    const auto reply = client.Get(path);
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 404) << path;
    EXPECT_EQ(reply->body.find("root:"), std::string::npos) << path;
  }
  const auto post = client.Post("/api/runs", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_NE(post->status, 200);  // read-only: GET alone
  server.stop();
  serving.join();
}
