// citybrain: the command-line front door. Sub-commands are thin; the only
// try/catch of the program is here.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>

#include "control/controller.h"
#include "run_command.h"

namespace {

std::string DefaultDataDir(const char* argv0) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::canonical(fs::path(argv0), ec);
  if (!ec) {
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / "data" / "cityflow" / "hangzhou_4x4")) return (p / "data").string();
    }
  }
  return "data";
}

int RunDemo(const std::string& data_dir, int threads) {
  cb::app::RunSettings base;
  base.roadnet = data_dir + "/cityflow/hangzhou_4x4/roadnet_4_4.json";
  base.flow = data_dir + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json";
  base.duration_s = 3600;
  base.threads = threads;
  std::printf(
      "citybrain demo: Hangzhou (16 signalised intersections, real camera flow), 1 simulated hour\n\n");
  cb::app::RunReport reports[2];
  const char* names[2] = {"fixed", "maxpressure"};
  for (int i = 0; i < 2; ++i) {
    cb::app::RunSettings s = base;
    s.controller = names[i];
    auto r = cb::app::RunScenario(s);
    if (!r.ok()) {
      std::fprintf(stderr, "citybrain: %s\n", r.status().message().c_str());
      return 1;
    }
    reports[i] = *r;
  }
  const auto& a = reports[0].summary;
  const auto& b = reports[1].summary;
  auto change = [](double before, double after) {
    return before != 0 ? (after - before) / before * 100 : 0.0;
  };
  std::printf("%-26s %12s %12s %9s\n", "KPI", "fixed-time", "max-pressure", "change");
  std::printf("%-26s %12.1f %12.1f %8.1f%%\n", "average travel time (s)", a.average_travel_time_s,
              b.average_travel_time_s, change(a.average_travel_time_s, b.average_travel_time_s));
  std::printf("%-26s %12.3f %12.3f %8.1f%%\n", "delay index", a.delay_index, b.delay_index,
              change(a.delay_index, b.delay_index));
  std::printf("%-26s %12lld %12lld %8.1f%%\n", "trips completed", a.vehicles_finished, b.vehicles_finished,
              change(static_cast<double>(a.vehicles_finished), static_cast<double>(b.vehicles_finished)));
  std::printf("%-26s %12.1f %12.1f %8.1f%%\n", "mean queued vehicles", a.mean_queued_on_lanes,
              b.mean_queued_on_lanes, change(a.mean_queued_on_lanes, b.mean_queued_on_lanes));
  std::printf("%-26s %12lld %12lld\n", "signal changes", reports[0].phase_changes, reports[1].phase_changes);
  std::printf("\nmax-pressure re-timed the signals %lld times and changed average travel time by %.1f%%.\n",
              reports[1].phase_changes, change(a.average_travel_time_s, b.average_travel_time_s));
  std::printf("(run time: %.1f s + %.1f s)\n", reports[0].wall_s, reports[1].wall_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"citybrain: an open City Brain - a traffic digital twin and signal-control brain"};
    app.require_subcommand(1);

    cb::app::RunSettings run;
    std::string controllers;
    for (const std::string& n : cb::control::ControllerNames())
      controllers += (controllers.empty() ? "" : ", ") + n;
    CLI::App* run_cmd =
        app.add_subcommand("run", "Run one scenario under one controller and report its KPIs");
    run_cmd->add_option("--roadnet", run.roadnet,
                        "Road network: CityFlow roadnet.json or CBEngine roadnet.txt");
    run_cmd->add_option("--flow", run.flow, "Demand: CityFlow flow.json or CBEngine flow.txt");
    run_cmd->add_option("--config", run.config,
                        "A CityFlow config.json naming the roadnet and flow (instead of both)");
    run_cmd->add_option("--controller", run.controller, "Signal controller: " + controllers)
        ->capture_default_str();
    run_cmd->add_option("--duration", run.duration_s, "Simulated seconds")->capture_default_str();
    run_cmd->add_option(
        "--decision-interval", run.decision_interval_s,
        "Seconds between signal decisions [default: 15 for CityFlow networks, 10 for City Brain "
        "Challenge networks]");
    run_cmd->add_option("--yellow", run.yellow_s, "Clearance (yellow/all-red) seconds before a new phase")
        ->capture_default_str();
    run_cmd->add_option("--min-green", run.min_green_s, "Shortest green after a change of phase, seconds")
        ->capture_default_str();
    run_cmd
        ->add_option("--max-green", run.max_green_s,
                     "Longest green before the next phase is forced (0: no limit)")
        ->capture_default_str();
    run_cmd
        ->add_option("--controller-at", run.controller_at,
                     "Run another controller at one intersection: ID=NAME (repeatable)")
        ->delimiter(',');
    run_cmd->add_option("--threads", run.threads, "Worker threads (results do not depend on it)")
        ->capture_default_str();
    run_cmd->add_option("--seed", run.seed, "Random seed (default: the config's, else 0)");
    run_cmd->add_option("--series-csv", run.series_csv,
                        "Write the network KPI time series (every 60 s) to this CSV");
    run_cmd->add_option("--intersections-csv", run.intersections_csv,
                        "Write each intersection's queue and throughput (every 60 s) to this CSV");
    run_cmd->add_flag("--json", run.json, "Print one JSON object with the KPIs instead of a table");
    run_cmd->add_flag("!--no-progress", run.progress, "Do not draw the progress bar");

    std::string data_dir = DefaultDataDir(argv[0]);
    int demo_threads = 1;
    CLI::App* demo_cmd = app.add_subcommand(
        "demo", "Run the bundled Hangzhou data under fixed-time and max-pressure control and compare");
    demo_cmd->add_option("--data-dir", data_dir, "The project's data/ folder")->capture_default_str();
    demo_cmd->add_option("--threads", demo_threads, "Worker threads")->capture_default_str();

    CLI11_PARSE(app, argc, argv);

    if (*run_cmd) {
      if (run.config.empty() && (run.roadnet.empty() || run.flow.empty())) {
        std::fprintf(stderr, "citybrain run: give --roadnet and --flow, or --config (see --help)\n");
        return 2;
      }
      if (run.json) run.progress = false;
      auto report = cb::app::RunScenario(run);
      if (!report.ok()) {
        std::fprintf(stderr, "citybrain: %s\n", report.status().message().c_str());
        return 1;
      }
      std::cout << (run.json ? cb::app::ReportJson(run, *report) + "\n" : cb::app::ReportText(run, *report));
      return 0;
    }
    if (*demo_cmd) return RunDemo(data_dir, demo_threads);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "citybrain: internal error: %s\n", e.what());
    return 3;
  }
}
