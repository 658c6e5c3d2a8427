// Archive files (Archive::Dump, CityflowEngine::LoadFromFile): the magic
// "CBARCHV1", the engine's naming state (vehicle names, per-flow counters, pushed
// count, the roadnet plan's phase and elapsed time by intersection), then the twin's
// state as sim::Engine::SaveState writes it. Native byte order, like the engine
// state: an archive is for the machine and build that wrote it.
#include <cstring>
#include <fstream>

#include "cityflow_engine.h"

namespace cb::python {
namespace {

constexpr char kMagic[8] = {'C', 'B', 'A', 'R', 'C', 'H', 'V', '1'};
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

void WriteU64(std::ostream& out, uint64_t v) { out.write(reinterpret_cast<const char*>(&v), sizeof v); }

template <class T>
void WriteVector(std::ostream& out, const std::vector<T>& v) {
  WriteU64(out, v.size());
  if (!v.empty())
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
}

bool ReadU64(std::istream& in, uint64_t* v) {
  in.read(reinterpret_cast<char*>(v), sizeof *v);
  return in.gcount() == sizeof *v;
}

template <class T>
bool ReadVector(std::istream& in, std::vector<T>* v) {
  uint64_t n = 0;
  if (!ReadU64(in, &n) || n > kMaxElements) return false;
  v->resize(n);
  if (n == 0) return true;
  const auto bytes = static_cast<std::streamsize>(n * sizeof(T));
  in.read(reinterpret_cast<char*>(v->data()), bytes);
  return in.gcount() == bytes;
}

}  // namespace

Status Archive::Dump(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::InvalidInput(path + ": cannot open the file for writing");
  out.write(kMagic, sizeof kMagic);
  WriteU64(out, naming_.names.size());
  for (const std::string& name : naming_.names) {
    WriteU64(out, name.size());
    out.write(name.data(), static_cast<std::streamsize>(name.size()));
  }
  WriteVector(out, naming_.flow_named);
  WriteU64(out, static_cast<uint64_t>(naming_.pushed));
  WriteVector(out, naming_.plan_phase);
  WriteVector(out, naming_.plan_elapsed_s);
  CB_RETURN_IF_ERROR(engine_->SaveState(out));
  out.close();
  if (!out) return Status::InvalidInput(path + ": could not write the archive");
  return Status::Ok();
}

Status CityflowEngine::LoadFromFile(const std::string& path) {
  if (safety_)
    return Status::InvalidInput(
        "load_from_file: archives do not hold the safety layer's state; call disable_safety_layer first");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidInput(path + ": cannot open the archive");
  char magic[sizeof kMagic] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() != sizeof magic || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    return Status::InvalidInput(path + ": not a citybrain archive (expected a file written by Archive.dump)");
  NamingState naming;
  uint64_t count = 0, pushed = 0;
  bool ok = ReadU64(in, &count) && count <= kMaxElements;
  for (uint64_t k = 0; ok && k < count; ++k) {
    uint64_t length = 0;
    ok = ReadU64(in, &length) && length < 4096;
    if (!ok) break;
    std::string name(length, '\0');
    in.read(name.data(), static_cast<std::streamsize>(length));
    ok = static_cast<uint64_t>(in.gcount()) == length;
    naming.names.push_back(std::move(name));
  }
  ok = ok && ReadVector(in, &naming.flow_named) && ReadU64(in, &pushed) &&
       ReadVector(in, &naming.plan_phase) && ReadVector(in, &naming.plan_elapsed_s);
  naming.pushed = static_cast<long long>(pushed);
  if (!ok) return Status::InvalidInput(path + ": the archive is truncated or corrupt");
  if (naming.flow_named.size() != naming_.flow_named.size() ||
      naming.plan_phase.size() != naming_.plan_phase.size() ||
      naming.plan_elapsed_s.size() != naming_.plan_elapsed_s.size())
    return Status::InvalidInput(path + ": the archive was saved from another network or demand");
  // Load into a copy first: the engine is left as it was when the file is refused.
  std::unique_ptr<sim::Engine> loaded = engine_->Clone(1);
  CB_RETURN_IF_ERROR(loaded->LoadState(in, path));
  if (naming.names.size() != static_cast<std::size_t>(loaded->vehicles_released()))
    return Status::InvalidInput(path + ": the archive's vehicle names do not match its vehicles");
  CB_RETURN_IF_ERROR(engine_->CopyStateFrom(*loaded));
  RestoreNaming(naming);
  return Status::Ok();
}

}  // namespace cb::python
