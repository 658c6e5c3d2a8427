// The MPI plugin (libcitybrain_mpi.so): cb::Ranks over MPI_COMM_WORLD. Loaded by
// cb::JoinRanks (base/ranks.h) only when an MPI launcher started the program, so
// the program itself never links MPI.
#include <mpi.h>

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "base/ranks.h"

namespace {

class MpiRanks final : public cb::Ranks {
 public:
  MpiRanks() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiRanks() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void Broadcast(std::string& bytes) override {
    unsigned long long length = bytes.size();
    MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank_ != 0) bytes.resize(length);
    // In pieces below MPI's int count limit.
    constexpr std::size_t kPiece = std::size_t{1} << 30;
    for (std::size_t at = 0; at < length; at += kPiece) {
      const std::size_t n = std::min<std::size_t>(kPiece, length - at);
      MPI_Bcast(bytes.data() + at, static_cast<int>(n), MPI_BYTE, 0, MPI_COMM_WORLD);
    }
  }

  void Gather(const std::string& mine, std::vector<std::string>& all) override {
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) Abort(70);
    const int length = static_cast<int>(mine.size());
    std::vector<int> lengths(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> offsets;
    std::string joined;
    if (rank_ == 0) {
      long long total = 0;
      offsets.resize(lengths.size());
      for (std::size_t r = 0; r < lengths.size(); ++r) {
        offsets[r] = static_cast<int>(total);
        total += lengths[r];
      }
      if (total > std::numeric_limits<int>::max()) Abort(70);
      joined.resize(static_cast<std::size_t>(total));
    }
    MPI_Gatherv(mine.data(), length, MPI_BYTE, joined.data(), lengths.data(), offsets.data(), MPI_BYTE, 0,
                MPI_COMM_WORLD);
    if (rank_ != 0) return;
    all.resize(lengths.size());
    for (std::size_t r = 0; r < lengths.size(); ++r)
      all[r].assign(joined, static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r]));
  }

  [[noreturn]] void Abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) cb::Ranks* citybrain_join_mpi(int* argc, char*** argv,
                                                                                char* error, int error_size) {
  int started = 0;
  MPI_Initialized(&started);
  if (!started && MPI_Init(argc, argv) != MPI_SUCCESS) {
    std::snprintf(error, static_cast<std::size_t>(error_size), "MPI_Init failed");
    return nullptr;
  }
  return new MpiRanks();
}
