// soma bench: runs soma-bench (built beside the soma binary) on one workload, or on every
// workload it lists when none is given; `soma bench list` shows them.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

#include <soma/core/error.h>

#include "commands.h"

namespace soma::cli {

namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int run(const std::string& command) {
  std::fflush(stdout);
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int bench(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const fs::path program = self.parent_path() / "soma-bench";
  SOMA_CHECK(fs::exists(program), "soma bench needs soma-bench beside the soma binary (", program.string(),
             "); build it with: cmake --build build --target soma-bench");
  std::string tail;
  for (const auto& a : args) tail += " " + quoted(a);
  if (!args.empty() && args[0] == "list") return run(quoted(program.string()) + " --help");
  if (!args.empty() && args[0].rfind("-", 0) != 0) return run(quoted(program.string()) + tail);
  // No workload: every id soma-bench --help lists ("  B1   xor ...").
  FILE* help = popen((quoted(program.string()) + " --help").c_str(), "r");
  SOMA_CHECK(help, "cannot run ", program.string());
  std::vector<std::string> ids;
  char line[512];
  bool listing = false;
  while (std::fgets(line, sizeof line, help)) {
    const std::string text = line;
    if (text.rfind("workloads:", 0) == 0) listing = true;
    else if (listing && text.size() > 3 && text[0] == ' ' && text[2] == 'B') ids.push_back(text.substr(2, text.find(' ', 2) - 2));
  }
  pclose(help);
  int worst = 0;
  for (const auto& id : ids) worst = std::max(worst, run(quoted(program.string()) + " " + id + tail));
  return worst;
}

}  // namespace soma::cli
