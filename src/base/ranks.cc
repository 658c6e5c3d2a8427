#include "base/ranks.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

namespace cb {
namespace {

class OneRank final : public Ranks {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void Broadcast(std::string&) override {}
  void Gather(const std::string& mine, std::vector<std::string>& all) override { all.assign(1, mine); }
  [[noreturn]] void Abort(int code) override { std::exit(code); }
};

}  // namespace

std::unique_ptr<Ranks> SingleRank() { return std::make_unique<OneRank>(); }

bool LaunchedByMpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

int RankFromEnvironment() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return 0;
}

std::string DefaultMpiPluginPath() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path dir = ec ? std::filesystem::path(".") : exe.parent_path();
  return (dir / "libcitybrain_mpi.so").string();
}

Result<std::unique_ptr<Ranks>> JoinRanks(const std::string& plugin_path, int* argc, char*** argv) {
  if (!LaunchedByMpi()) return SingleRank();
  const std::string how =
      " (the MPI plugin is built with the program when Open MPI's development files are installed: "
      "apt-get install libopenmpi-dev openmpi-bin, then scripts/setup.sh)";
  // The plugin stays loaded for the life of the process (MPI cannot be unloaded).
  void* handle = dlopen(plugin_path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::InvalidInput("started by an MPI launcher, but the MPI plugin " + plugin_path +
                                " cannot be loaded: " + (why != nullptr ? why : "unknown error") + how);
  }
  auto join = reinterpret_cast<JoinMpiFunction>(dlsym(handle, kJoinMpiSymbol));
  if (join == nullptr) {
    return Status::InvalidInput(plugin_path + ": not citybrain's MPI plugin (no " + kJoinMpiSymbol + ")" +
                                how);
  }
  char error[512] = {};
  Ranks* ranks = join(argc, argv, error, static_cast<int>(sizeof(error)));
  if (ranks == nullptr) return Status::InvalidInput(std::string("joining the MPI ranks failed: ") + error);
  return std::unique_ptr<Ranks>(ranks);
}

}  // namespace cb
