#include "import_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/xml_escape.h"
#include "demand/random_trips.h"
#include "roadnet/sumo_net.h"

extern char** environ;

namespace cb::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstallHint =
    "install SUMO's netconvert: `apt-get install sumo` (Debian/Ubuntu), or run scripts/setup.sh; or name the "
    "program with --netconvert PATH";

// The file stem of an OSM extract: "berlin.osm.xml" -> "berlin". Commas would split the
// .sumocfg's route-files list, so they become '_'.
std::string DefaultName(const std::string& osm_file) {
  std::string name = fs::path(osm_file).filename().string();
  for (const char* suffix : {".osm.xml", ".osm", ".xml"}) {
    const std::size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) {
      name.resize(name.size() - n);
      break;
    }
  }
  for (char& c : name)
    if (c == ',') c = '_';
  return name;
}

// The SUMO data folder to give netconvert: the inherited SUMO_HOME, else Debian's
// /usr/share/sumo, if it holds the OSM type map; empty otherwise.
std::string ChooseSumoHome() {
  std::vector<std::string> candidates;
  if (const char* inherited = std::getenv("SUMO_HOME"); inherited != nullptr && *inherited != '\0')
    candidates.emplace_back(inherited);
  candidates.emplace_back("/usr/share/sumo");
  for (const std::string& home : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(fs::path(home) / "data" / "typemap" / "osmNetconvert.typ.xml", ec)) return home;
  }
  return "";
}

// The last `count` non-empty lines of `text`, joined by newlines.
std::string LastLines(const std::string& text, int count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > static_cast<std::size_t>(count) ? lines.size() - count : 0;
       i < lines.size(); ++i) {
    out += "  " + lines[i] + "\n";
  }
  return out;
}

struct ChildResult {
  int exit_code = 0;   // 128 + signal when killed by one
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs `program` (searched on PATH when it holds no '/') with `args` and the given
// SUMO_HOME (empty: removed) in place of the inherited one; no shell is involved.
Result<ChildResult> RunChild(const std::string& program, const std::vector<std::string>& args,
                             const std::string& sumo_home) {
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "SUMO_HOME=", 10) != 0) env_strings.emplace_back(*e);
  }
  if (!sumo_home.empty()) env_strings.push_back("SUMO_HOME=" + sumo_home);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return Status::IoError(std::string("cannot create a pipe: ") + strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    if (spawned == ENOENT) {
      return Status::NotFound("netconvert not found (looked for '" + program + "'" +
                              (program.find('/') == std::string::npos ? " on PATH" : "") +
                              "): " + kInstallHint);
    }
    return Status::IoError("cannot start '" + program + "': " + strerror(spawned));
  }
  ChildResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::IoError(std::string("waiting for netconvert: ") + strerror(errno));
  }
  result.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  return result;
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot write " + path.string() + ": " + strerror(errno));
  out << text;
  out.close();
  if (!out) return Status::IoError("cannot write " + path.string() + " (disk full?)");
  return Status::Ok();
}

}  // namespace

std::vector<std::string> NetconvertOsmArguments(const std::string& osm_file, const std::string& net_file) {
  return {"--osm-files", osm_file, "--output-file", net_file,
          // SUMO's OpenStreetMap import guide ("Recommended netconvert Options"):
          "--geometry.remove", "--ramps.guess", "--junctions.join", "--tls.guess-signals",
          "--tls.discard-simple", "--tls.join",
          // Fixed-time programs: citybrain's controllers take the signals over anyway.
          "--tls.default-type", "static",
          // Cars only, and no islands left after dropping the other ways.
          "--keep-edges.by-vclass", "passenger", "--remove-edges.isolated",
          // Street names on the edges, for people reading the network.
          "--output.street-names",
          // Without it a dead end gets a turnaround connection and is no longer a boundary
          // (roadnet/sumo_net.h), so there would be no roads to enter or leave by.
          "--no-turnarounds",
          // Nobody reads the schemas: citybrain checks the network itself, and without
          // SUMO_HOME validation makes the built-in type map fail.
          "--xml-validation", "never"};
}

Result<ImportOsmReport> ImportOsm(const ImportOsmSettings& settings) {
  std::error_code ec;
  if (settings.osm_file.empty()) return Status::InvalidInput("import osm: no input file given");
  if (!fs::exists(settings.osm_file, ec)) {
    return Status::NotFound("import osm: " + settings.osm_file + ": no such file");
  }
  if (!fs::is_regular_file(settings.osm_file, ec)) {
    return Status::InvalidInput("import osm: " + settings.osm_file + ": not a regular file");
  }
  const std::string name = settings.name.empty() ? DefaultName(settings.osm_file) : settings.name;
  if (name.empty() || name.find_first_of("/,") != std::string::npos) {
    return Status::InvalidInput("import osm: the name '" + name +
                                "' cannot be a file stem, expected a non-empty name without '/' or ','");
  }
  if (settings.out_dir.empty()) return Status::InvalidInput("import osm: no output folder given (-o DIR)");
  const fs::path dir(settings.out_dir);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::IoError("import osm: cannot create the output folder " + dir.string() + ": " +
                           (ec ? ec.message() : std::string("a file of that name is in the way")));
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::IoError("import osm: the output folder " + dir.string() +
                           " is not writable: " + strerror(errno));
  }
  // Random-trip options are checked before netconvert runs, so a typo costs nothing.
  demand::RandomTripsOptions trip_options{settings.rate_veh_per_hour, settings.duration_s, settings.seed};
  if (!(trip_options.rate_veh_per_hour > 0) ||
      !(trip_options.rate_veh_per_hour <= demand::kMaxRandomTripRateVehPerHour)) {
    return Status::InvalidInput("import osm: --rate must be in (0, 36000] vehicles per hour");
  }
  if (!(trip_options.duration_s > 0) || !(trip_options.duration_s <= 604800)) {
    return Status::InvalidInput("import osm: --duration must be in (0, 604800] seconds");
  }

  ImportOsmReport report;
  report.net_file = (dir / (name + ".net.xml")).string();
  report.routes_file = (dir / (name + ".rou.xml")).string();
  report.config_file = (dir / (name + ".sumocfg")).string();
  report.sumo_home = ChooseSumoHome();
  auto child = RunChild(settings.netconvert, NetconvertOsmArguments(settings.osm_file, report.net_file),
                        report.sumo_home);
  if (!child.ok()) return child.status().WithContext("import osm");
  report.netconvert_messages = child->output;
  if (child->exit_code != 0) {
    return Status::InvalidInput("import osm: netconvert could not convert " + settings.osm_file +
                                " (is it an OpenStreetMap file?): exit code " +
                                std::to_string(child->exit_code) + "; its last messages:\n" +
                                LastLines(child->output, 8));
  }

  auto spec = roadnet::ParseSumoNet(report.net_file);
  if (!spec.ok()) return spec.status().WithContext("import osm: reading netconvert's output");
  auto network = roadnet::BuildNetwork(std::move(*spec));
  if (!network.ok()) {
    return network.status().WithContext("import osm: building netconvert's output");
  }
  for (const roadnet::Intersection& i : network->intersections()) report.junctions += i.is_virtual ? 0 : 1;
  report.signals = network->signalised_count();
  report.edges = static_cast<int>(network->roads().size());
  const demand::BoundaryRoads boundary = demand::FindBoundaryRoads(*network);
  report.entries = static_cast<int>(boundary.entries.size());
  report.exits = static_cast<int>(boundary.exits.size());
  report.connectable_pairs = static_cast<int>(boundary.pairs.size());

  auto trips = demand::DrawRandomTrips(*network, trip_options);
  if (!trips.ok()) return trips.status().WithContext("import osm");
  report.trips = static_cast<long long>(trips->size());
  char comment[512];
  std::snprintf(comment, sizeof comment,
                "citybrain import osm: %lld random trips between boundary roads, %g vehicles/hour over %g s, "
                "seed %llu",
                report.trips, settings.rate_veh_per_hour, settings.duration_s,
                static_cast<unsigned long long>(settings.seed));
  if (Status s = WriteFile(report.routes_file, demand::SumoTripsXml(*network, *trips, comment)); !s.ok()) {
    return s.WithContext("import osm");
  }
  char end[64];
  std::snprintf(end, sizeof end, "%g", settings.duration_s);
  const std::string config =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- citybrain import osm: run with `citybrain run --config` (or SUMO's `sumo -c`) -->\n"
      "<configuration>\n"
      "    <input>\n"
      "        <net-file value=\"" +
      XmlEscape(name + ".net.xml") +
      "\"/>\n"
      "        <route-files value=\"" +
      XmlEscape(name + ".rou.xml") +
      "\"/>\n"
      "    </input>\n"
      "    <time>\n"
      "        <begin value=\"0\"/>\n"
      "        <end value=\"" +
      end +
      "\"/>\n"
      "    </time>\n"
      "</configuration>\n";
  if (Status s = WriteFile(report.config_file, config); !s.ok()) return s.WithContext("import osm");
  return report;
}

std::string ImportOsmText(const ImportOsmReport& report) {
  std::string text;
  text +=
      "wrote " + report.net_file + " (netconvert, " +
      (report.sumo_home.empty() ? std::string("built-in OSM type map") : "SUMO_HOME=" + report.sumo_home) +
      ")\n";
  text += "wrote " + report.routes_file + "\n";
  text += "wrote " + report.config_file + "\n";
  text += std::to_string(report.junctions) + " junctions, " + std::to_string(report.signals) + " signals, " +
          std::to_string(report.edges) + " edges (" + std::to_string(report.entries) + " entries, " +
          std::to_string(report.exits) + " exits, " + std::to_string(report.connectable_pairs) +
          " connectable pairs), " + std::to_string(report.trips) + " trips\n";
  text += "run it: citybrain run --config " + report.config_file + "\n";
  return text;
}

}  // namespace cb::app
