// Fuzz target: CityFlow config.json (demand/scenario.h): ParseCityflowConfigJson,
// ResolveConfigFiles and, when the config names files of the target's virtual
// folder, LoadScenarioFromText on them, so the format detection and the
// network/demand assembly behind `citybrain run --config` are fuzzed too.
//
// The virtual folder holds two small bundled scenarios (a CityFlow one and a
// CBEngine one) under their repository paths; the config is taken to be
// data/cityflow/examples/config.json. A config may mix them (a CityFlow network
// with a CBEngine flow file), as a user's may.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "demand/scenario.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr char kConfigPath[] = "data/cityflow/examples/config.json";

const std::map<std::string, std::string>* files = nullptr;  // lexically normal path -> text

std::string Normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  auto* texts = new std::map<std::string, std::string>;  // lives as long as the process
  for (const char* name : {"cityflow/examples/roadnet.json", "cityflow/examples/flow.json",
                           "citybrain_kddcup2021/roadnet_1x1.txt", "citybrain_kddcup2021/flow_1x1.txt"}) {
    (*texts)[Normal(std::string("data/") + name)] = cb::fuzz::DataFile(name);
  }
  files = texts;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cb;
  Result<Json> root = ParseJson(fuzz::AsString(data, size), kConfigPath);
  fuzz::CheckError(root.status());
  if (!root.ok()) return 0;
  Result<demand::CityflowConfig> config = demand::ParseCityflowConfigJson(*root, kConfigPath);
  fuzz::CheckError(config.status());
  if (!config.ok()) return 0;
  const demand::ConfigFiles paths = demand::ResolveConfigFiles(
      *config, kConfigPath, [](const std::string& path) { return files->count(Normal(path)) > 0; });
  auto roadnet = files->find(Normal(paths.roadnet_path));
  auto flow = files->find(Normal(paths.flow_path));
  if (roadnet == files->end() || flow == files->end()) return 0;
  demand::ScenarioOptions options;
  options.open_intersections = config->seed % 2 == 1;  // both ways of loading, by the seed's parity
  fuzz::CheckError(
      demand::LoadScenarioFromText(roadnet->second, roadnet->first, flow->second, flow->first, options)
          .status());
  return 0;
}
