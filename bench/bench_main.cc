// citybrain-bench: measures the twin's speed on the bundled data.
//
// Speed is measured here, never asserted in tests. Each case is a whole `run`
// (loading included, as CityFlow's published speed is measured) and reports
// vehicle-updates per second (vehicles moved per step, summed over steps, over
// wall seconds) and wall seconds per simulated hour.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "run_command.h"

namespace {

struct Case {
  std::string name;
  std::string roadnet;
  std::string flow;
  std::string controller;
  double duration_s;
  double decision_interval_s;
  int threads;
  bool lane_change = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"citybrain-bench: speed of the twin on the bundled data (vehicle-updates/s, wall time)"};
  std::string data_dir = "data";
  int repeat = 1;
  std::string only;
  app.add_option("--data-dir", data_dir, "The project's data/ folder")->capture_default_str();
  app.add_option("--repeat", repeat, "Runs per case; the fastest is reported")->capture_default_str();
  app.add_option("--case", only, "Run only the cases whose name contains this");
  std::string lane_change;
  app.add_option("--lane-change", lane_change,
                 "Lane changes in every case: on or off [default: each case's own; cases ending in 'lc' "
                 "run with lane changes]")
      ->check(CLI::IsMember({"on", "off"}));
  CLI11_PARSE(app, argc, argv);
  if (!std::filesystem::exists(data_dir + "/cityflow")) {
    std::fprintf(stderr, "citybrain-bench: %s/cityflow not found; pass --data-dir\n", data_dir.c_str());
    return 2;
  }
  const std::string cf = data_dir + "/cityflow/";
  const std::string kdd = data_dir + "/citybrain_kddcup2021/";
  std::vector<Case> cases = {
      {"jinan_real fixed", cf + "jinan_3x4/roadnet_3_4.json", cf + "jinan_3x4/anon_3_4_jinan_real.json",
       "fixed", 3600, 15, 1},
      {"jinan_real fixed lc", cf + "jinan_3x4/roadnet_3_4.json", cf + "jinan_3x4/anon_3_4_jinan_real.json",
       "fixed", 3600, 15, 1, true},
      {"hangzhou_5816 maxpressure", cf + "hangzhou_4x4/roadnet_4_4.json",
       cf + "hangzhou_4x4/anon_4_4_hangzhou_real_5816.json", "maxpressure", 3600, 15, 1},
      {"kdd_round3 maxpressure", kdd + "roadnet_round3.txt", kdd + "flow_round3_flow0.txt", "maxpressure",
       1200, 10, 1},
      {"kdd_round3 maxpressure", kdd + "roadnet_round3.txt", kdd + "flow_round3_flow0.txt", "maxpressure",
       1200, 10, 2},
      {"kdd_round3 maxpressure lc", kdd + "roadnet_round3.txt", kdd + "flow_round3_flow0.txt", "maxpressure",
       1200, 10, 2, true},
      // The brain's cost: its look-ahead copies' steps are not in vehicle-upd (only
      // the twin's own are), so read its wall time per simulated hour.
      {"hangzhou_real brain", cf + "hangzhou_4x4/roadnet_4_4.json",
       cf + "hangzhou_4x4/anon_4_4_hangzhou_real.json", "brain", 3600, 15, 1},
      {"hangzhou_real brain", cf + "hangzhou_4x4/roadnet_4_4.json",
       cf + "hangzhou_4x4/anon_4_4_hangzhou_real.json", "brain", 3600, 15, 2},
  };
  std::printf("%-28s %7s %14s %9s %8s %12s %14s\n", "case", "threads", "vehicle-upd", "wall s", "load s",
              "M upd/s", "wall s/sim h");
  for (const Case& c : cases) {
    if (!only.empty() && c.name.find(only) == std::string::npos) continue;
    cb::app::RunSettings s;
    s.roadnet = c.roadnet;
    s.flow = c.flow;
    s.controller = c.controller;
    s.duration_s = c.duration_s;
    s.signals.decision_interval_s = c.decision_interval_s;
    s.threads = c.threads;
    s.lane_change = lane_change.empty() ? c.lane_change : lane_change == "on";
    s.progress = false;
    cb::app::RunReport best;
    for (int r = 0; r < repeat; ++r) {
      auto report = cb::app::RunScenario(s);
      if (!report.ok()) {
        std::fprintf(stderr, "citybrain-bench: %s: %s\n", c.name.c_str(), report.status().message().c_str());
        return 1;
      }
      if (r == 0 || report->wall_s < best.wall_s) best = *report;
    }
    std::printf("%-28s %7d %14lld %9.2f %8.2f %12.2f %14.2f\n", c.name.c_str(), c.threads,
                best.vehicle_updates, best.wall_s, best.load_s, best.vehicle_updates / best.wall_s / 1e6,
                best.wall_s / (c.duration_s / 3600.0));
  }
  return 0;
}
