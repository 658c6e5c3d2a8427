#include "convert_command.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "demand/cityflow_writer.h"
#include "demand/scenario.h"

namespace cb::app {
namespace {

Status WriteJsonFile(const std::filesystem::path& path, const Json& document) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Status::IoError(path.string() + ": cannot be written: " + std::strerror(errno));
  file << document.dump(1) << '\n';
  file.close();
  if (!file) return Status::IoError(path.string() + ": writing failed: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Status RunConvert(const ConvertSettings& settings, std::ostream& out) {
  bool known = false;
  std::string targets;
  for (const char* target : kConvertTargets) {
    known = known || settings.to == target;
    targets += (targets.empty() ? "" : ", ") + std::string(target);
  }
  if (!known)
    return Status::InvalidInput("--to " + settings.to + ": unknown format, expected one of: " + targets);
  if (settings.output_dir.empty()) return Status::InvalidInput("-o: expected an output folder");
  if (settings.config.empty() && (settings.roadnet.empty() || settings.flow.empty())) {
    return Status::InvalidInput("give --roadnet and --flow, or --config");
  }
  auto scenario = settings.config.empty() ? demand::LoadScenario(settings.roadnet, settings.flow)
                                          : demand::LoadConfig(settings.config);
  if (!scenario.ok()) return scenario.status();

  namespace fs = std::filesystem;
  const fs::path dir(settings.output_dir);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    return Status::IoError(settings.output_dir + ": cannot create the output folder: " + error.message());
  if (!fs::is_directory(dir, error)) return Status::IoError(settings.output_dir + ": is not a folder");

  demand::CityflowFileNames names;
  // "dir" as given: CityFlow takes it relative to where it runs, citybrain also
  // finds the files beside the config.json when run from elsewhere.
  names.dir = settings.output_dir;
  if (names.dir.back() != '/') names.dir += '/';
  auto files = demand::ConvertToCityflow(*scenario, names);
  if (!files.ok()) return files.status();
  CB_RETURN_IF_ERROR(WriteJsonFile(dir / names.roadnet_file, files->roadnet));
  CB_RETURN_IF_ERROR(WriteJsonFile(dir / names.flow_file, files->flow));
  CB_RETURN_IF_ERROR(WriteJsonFile(dir / "config.json", files->config));

  const roadnet::Network& net = *scenario->network;
  out << "citybrain convert: wrote " << (dir / "config.json").string() << ", "
      << (dir / names.roadnet_file).string() << " (" << net.intersections().size() << " intersections, "
      << net.roads().size() << " roads), " << (dir / names.flow_file).string() << " ("
      << scenario->demand->flows.size() << " flows)\n";
  out << "config: interval " << scenario->step_s << " s, seed " << scenario->seed << ", laneChange "
      << (scenario->lane_change ? "true" : "false") << "\n";
  if (files->redrawn_roads > 0) {
    out << files->redrawn_roads
        << " roads drawn as straight lines so that their lanes keep the model's lengths in CityFlow (largest "
           "difference "
        << files->max_lane_length_error_m << " m; citybrain reads the exact lengths from laneLength)\n";
  }
  if (!files->demand_notes.empty()) {
    out << "the demand as the source's reader gave it (flow.json holds the same; what it skipped is in "
           "neither):\n"
        << files->demand_notes;
    if (files->demand_notes.back() != '\n') out << "\n";
  }
  if (files->losses.empty()) {
    out << "nothing lost: the files read back as the same network and demand\n";
  } else {
    out << "not carried by CityFlow files:\n";
    for (const std::string& line : files->losses) out << "  - " << line << "\n";
  }
  if (!files->extensions_only.empty()) {
    out << "carried only by citybrain's extension fields (docs/formats.md), which CityFlow ignores:\n";
    for (const std::string& line : files->extensions_only) out << "  - " << line << "\n";
  }
  return Status::Ok();
}

}  // namespace cb::app
