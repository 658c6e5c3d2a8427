#include "programs.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace cb::app {

std::filesystem::path ProgramDir(const char* argv0) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) exe = fs::absolute(fs::path(argv0), ec);
  return exe.parent_path();
}

int ExecServeProgram(const char* argv0, const std::vector<std::string>& args) {
  const std::string program = (ProgramDir(argv0) / "citybrain-serve").string();
  std::vector<char*> exec_argv;
  exec_argv.reserve(args.size() + 2);
  exec_argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) exec_argv.push_back(const_cast<char*>(arg.c_str()));
  exec_argv.push_back(nullptr);
  std::fflush(stdout);
  execv(program.c_str(), exec_argv.data());
  const int error = errno;
  if (error == ENOENT) {
    std::fprintf(stderr,
                 "citybrain serve: the live service is the program %s, which is missing; build it with "
                 "`cmake --build build/release --target citybrain-serve` (scripts/setup.sh builds it)\n",
                 program.c_str());
  } else {
    std::fprintf(stderr, "citybrain serve: cannot start %s: %s\n", program.c_str(), std::strerror(error));
  }
  return 1;
}

}  // namespace cb::app
