#include "serve_command.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "demand/scenario.h"
#include "service/service.h"

namespace cb::app {
namespace {

// The one piece of global state the program has: set by SIGINT/SIGTERM.
volatile std::sig_atomic_t g_stop_requested = 0;

void OnStopSignal(int /*signal*/) { g_stop_requested = 1; }

// The built dashboard: --web-root, else web/dist in the source tree the binary
// was built in (build/release/citybrain -> ../../web/dist), else ./web/dist.
std::string FindWebRoot(const std::string& given, const char* argv0) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  std::error_code ec;
  fs::path exe = fs::canonical(fs::path(argv0), ec);
  if (!ec) {
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / "web" / "dist" / "index.html", ec)) return (p / "web" / "dist").string();
    }
  }
  if (fs::exists("web/dist/index.html", ec)) return "web/dist";
  return "";
}

Result<double> ParseSpeed(const std::string& text) {
  if (text == "max") return 0.0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0) || v > 100000) {
    return Status::InvalidInput(
        "--speed: expected a positive number (simulated s per wall s) or 'max', got '" + text + "'");
  }
  return v;
}

}  // namespace

int RunServe(const ServeSettings& settings, const char* argv0) {
  auto fail = [](const Status& status) {
    std::fprintf(stderr, "citybrain serve: %s\n", status.message().c_str());
    return 1;
  };
  if (settings.config.empty() && (settings.roadnet.empty() || settings.flow.empty())) {
    std::fprintf(stderr, "citybrain serve: give --roadnet and --flow, or --config (see --help)\n");
    return 2;
  }
  auto speed = ParseSpeed(settings.speed);
  if (!speed.ok()) return fail(speed.status());
  auto brain_routes = control::ParseRouteKnowledge(settings.brain_routes);
  if (!brain_routes.ok()) return fail(brain_routes.status().WithContext("--brain-routes"));
  Status valid = settings.signals.Validate();
  if (!valid.ok()) return fail(valid);

  std::fprintf(stderr, "citybrain serve: loading the scenario ...\n");
  Result<demand::Scenario> scenario = !settings.config.empty()
                                          ? demand::LoadConfig(settings.config)
                                          : demand::LoadScenario(settings.roadnet, settings.flow);
  if (!scenario.ok()) return fail(scenario.status());
  // What the demand reader left out (SUMO routes: outside the hour, unreachable), as run says.
  if (!scenario->demand_notes.empty()) std::fprintf(stderr, "%s", scenario->demand_notes.c_str());

  service::ServiceOptions options;
  options.host = settings.host;
  options.port = settings.port;
  options.speed = *speed;
  options.start_paused = settings.paused;
  options.data_dir = settings.data_dir;
  options.token_file = settings.token_file;
  options.controller = settings.controller;
  options.brain_routes = *brain_routes;
  options.web_root = FindWebRoot(settings.web_root, argv0);
  options.signals = settings.signals;
  options.sim_threads = settings.threads;
  options.lane_change = settings.lane_change;
  options.sirens_pass_red = settings.ev_red_passing;
  options.max_vehicles = settings.max_vehicles;
  options.http_threads = settings.http_threads;
  options.max_stream_clients = settings.stream_clients;
  options.max_connections = settings.max_connections;
  options.roadnet_name = settings.config.empty() ? settings.roadnet : settings.config;
  options.flow_name = settings.config.empty() ? settings.flow : settings.config;
  options.log = [](const std::string& message) {
    std::fprintf(stderr, "citybrain serve: %s\n", message.c_str());
  };

  auto service = service::Service::Create(std::move(scenario).value(), options);
  if (!service.ok()) return fail(service.status());

  // Handlers before Start, so that no signal arrives unhandled once threads run.
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  Status started = (*service)->Start();
  if (!started.ok()) return fail(started);
  const std::string token_place = settings.token_file.empty()
                                      ? (std::filesystem::path(settings.data_dir) / "operator.token").string()
                                      : settings.token_file;
  std::fprintf(stderr,
               "citybrain serve: http://%s:%d/  (run %lld, speed %s, controller %s)\n"
               "citybrain serve: operator token in %s; data in %s; dashboard %s\n"
               "citybrain serve: Ctrl-C stops\n",
               settings.host.c_str(), (*service)->port(), (*service)->run_id(), settings.speed.c_str(),
               settings.controller.c_str(), token_place.c_str(), settings.data_dir.c_str(),
               options.web_root.empty() ? "not built (run scripts/setup.sh)" : options.web_root.c_str());
  while (!g_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr, "citybrain serve: stopping at t = %.0f s ...\n", (*service)->time_s());
  (*service)->Stop();
  std::fprintf(stderr, "citybrain serve: stopped\n");
  return 0;
}

}  // namespace cb::app
