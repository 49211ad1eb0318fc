// Every JSON text soma reads is refused when nested too deep, before a tree is built (copying or
// printing a tree 40000 levels deep overflows the stack): a safetensors header (its own limit,
// see safetensors_test.cpp), the config a model file embeds, and a run folder's run.json and
// config.json (config::parse_json and read_json_file, as the soma command reads them).
#include <gtest/gtest.h>

#include "io/io_test_util.h"
#include "soma/config/section.h"
#include "soma/core/factory.h"
#include "soma/io/safetensors.h"

namespace {

namespace io = soma::io;
namespace config = soma::config;
using soma::test::error_of;

class JsonNesting : public soma::test::IoTest {};

std::string deep_object(std::size_t depth) {
  return "{\"a\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text).substr(0, 300)

TEST_F(JsonNesting, ConfigEmbeddedInAModelFileIsRefused) {
  // A model file whose "soma.config" is 40000 levels deep loads (the metadata is a string), and
  // its config is refused as soma evaluate and predict parse it, naming the file.
  const std::string file = path("model.safetensors");
  io::save_safetensors(file, {{"w", soma::zeros({1})}}, {{"soma.config", deep_object(40000)}});
  const io::SafetensorsFile st = io::load_safetensors(file);
  const std::string message = error_of([&] { config::parse_json(st.metadata.at("soma.config"), file + " (soma.config)"); });
  EXPECT_CONTAINS(message, file + " (soma.config):1:");
  EXPECT_CONTAINS(message, "nested deeper than " + std::to_string(config::kMaxJsonDepth));
}

TEST_F(JsonNesting, RunFolderFilesAreRefused) {
  for (const char* name : {"run.json", "config.json"}) {
    const std::string file = path(name);
    soma::test::write_file(file, deep_object(40000));
    const std::string message = error_of([&] { config::read_json_file(file); });
    EXPECT_CONTAINS(message, file + ":1:");
    EXPECT_CONTAINS(message, "nested deeper than " + std::to_string(config::kMaxJsonDepth));
  }
  // At the limit it still parses.
  soma::test::write_file(path("ok.json"), deep_object(config::kMaxJsonDepth - 1));
  EXPECT_TRUE(config::read_json_file(path("ok.json")).is_object());
}

}  // namespace
