// The processes of one run: MPI ranks when an MPI launcher started the program
// (`mpirun -np N citybrain run ...`), else this process alone.
//
// The program itself never links MPI: JoinRanks loads the MPI plugin
// (libcitybrain_mpi.so, src/mpi/) next to the executable only when a launcher's
// environment says it runs as one rank of several processes, so a plain run pays
// nothing for it at start-up. Every rank runs the same command on the same files;
// the brain (control/brain.h) spreads the rollouts of each round over the ranks,
// rank 0 running the real twin. Collective calls must be made by every rank, in the
// same order. Not thread-safe: call from the run's main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace cb {

class Ranks {
 public:
  virtual ~Ranks() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Collective: rank 0's `bytes` replace every other rank's.
  virtual void Broadcast(std::string& bytes) = 0;
  // Collective: every rank's `mine`, in rank order, into rank 0's `all` (left
  // untouched on the other ranks).
  virtual void Gather(const std::string& mine, std::vector<std::string>& all) = 0;
  // Ends every rank of the run with `code` (a rank that failed alone would
  // otherwise leave the others waiting in a collective call).
  [[noreturn]] virtual void Abort(int code) = 0;
};

// This process alone: rank 0 of 1; the collectives do nothing.
std::unique_ptr<Ranks> SingleRank();

// Whether an MPI launcher started this process (Open MPI's OMPI_COMM_WORLD_SIZE,
// or PMIx's / PMI's rank variables in the environment).
bool LaunchedByMpi();
// This process's rank as the launcher's environment gives it, without joining
// MPI (0 when not launched by MPI): for commands that run on rank 0 alone.
int RankFromEnvironment();

// The ranks of this run: SingleRank() unless LaunchedByMpi(); then the MPI
// plugin `plugin_path` joins the others (MPI_Init; MPI_Finalize when the
// returned object is destroyed). InvalidInput naming the plugin and how to get it
// when it is missing or cannot be loaded.
Result<std::unique_ptr<Ranks>> JoinRanks(const std::string& plugin_path, int* argc, char*** argv);

// Where the program looks for the plugin: next to the running executable.
std::string DefaultMpiPluginPath();

// The plugin's one entry point (extern "C"): joins MPI and returns a new Ranks, or
// null with a message in `error` (up to `error_size` bytes).
using JoinMpiFunction = Ranks* (*)(int* argc, char*** argv, char* error, int error_size);
inline constexpr const char* kJoinMpiSymbol = "citybrain_join_mpi";

}  // namespace cb
