// The citybrain programs and plugins, and how they find each other: all of them sit
// in one folder (build/release/ in a build tree):
//   citybrain                   the command; links neither Python nor the HTTP stack,
//                               so that `run` starts in a few milliseconds
//   citybrain-serve             the live service (`citybrain serve`, src/service):
//                               cpp-httplib, OpenSSL, SQLite; `citybrain serve ARGS`
//                               replaces itself with `citybrain-serve ARGS` (exec)
//   libcitybrain_python_controller.so
//                               the embedded Python interpreter for --controller
//                               python:MODULE:CLASS, opened on first use (python_plugin.h)
//   libcitybrain_mpi.so         Open MPI for `mpirun ... citybrain run` (base/ranks.h)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cb::app {

// The folder of the running program: /proc/self/exe's, else argv0's (made absolute).
std::filesystem::path ProgramDir(const char* argv0);

// Replaces this process with `citybrain-serve` from ProgramDir(argv0), given `args`
// (what followed `serve` on the command line). The process id stays the same, so
// signals sent to `citybrain serve` reach the service. Returns only on failure,
// after printing what is missing and how to build it: the exit code to return.
int ExecServeProgram(const char* argv0, const std::vector<std::string>& args);

}  // namespace cb::app
