// citybrain: the command-line front door. Sub-commands are thin; `serve` is handed
// to the program citybrain-serve (programs.h). The only try/catch of the program is
// here.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "base/ranks.h"
#include "cli_options.h"
#include "compare_command.h"
#include "control/registry.h"
#include "convert_command.h"
#include "emergency_command.h"
#include "heap.h"
#include "import_command.h"
#include "programs.h"
#include "run/protocol.h"
#include "run_command.h"
#ifdef CITYBRAIN_WITH_PYTHON
#include "python_plugin.h"
#endif

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

// The main job: the bundled Hangzhou hour under fixed-time, max-pressure and the
// brain, side by side, and what the brain changed against fixed-time.
int RunDemo(const std::string& data_dir, int threads) {
  cb::app::RunSettings base;
  base.roadnet = data_dir + "/cityflow/hangzhou_4x4/roadnet_4_4.json";
  base.flow = data_dir + "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json";
  base.threads = threads;
  std::printf(
      "citybrain demo: Hangzhou (16 signalised intersections, real camera flow), 1 simulated hour\n\n");
  constexpr int kRuns = 3;
  const char* names[kRuns] = {"fixed", "maxpressure", "brain"};
  cb::app::RunReport reports[kRuns];
  double wall_s = 0;
  for (int i = 0; i < kRuns; ++i) {
    cb::app::RunSettings s = base;
    s.controller = names[i];
    auto r = cb::app::RunScenario(s);
    if (!r.ok()) {
      std::fprintf(stderr, "citybrain: %s\n", r.status().message().c_str());
      return 1;
    }
    reports[i] = *r;
    wall_s += r->wall_s;
  }
  const auto& fixed = reports[0].summary;
  const auto& mp = reports[1].summary;
  const auto& brain = reports[2].summary;
  auto change = [](double before, double after) {
    return before != 0 ? (after - before) / before * 100 : 0.0;
  };
  std::printf("%-26s %12s %12s %12s %14s\n", "KPI", "fixed-time", "max-pressure", "brain", "brain vs fixed");
  std::printf("%-26s %12.1f %12.1f %12.1f %13.1f%%\n", "average travel time (s)", fixed.average_travel_time_s,
              mp.average_travel_time_s, brain.average_travel_time_s,
              change(fixed.average_travel_time_s, brain.average_travel_time_s));
  std::printf("%-26s %12.3f %12.3f %12.3f %13.1f%%\n", "delay index", fixed.delay_index, mp.delay_index,
              brain.delay_index, change(fixed.delay_index, brain.delay_index));
  std::printf(
      "%-26s %12lld %12lld %12lld %13.1f%%\n", "trips completed", fixed.vehicles_finished,
      mp.vehicles_finished, brain.vehicles_finished,
      change(static_cast<double>(fixed.vehicles_finished), static_cast<double>(brain.vehicles_finished)));
  std::printf("%-26s %12.1f %12.1f %12.1f %13.1f%%\n", "mean queued vehicles", fixed.mean_queued_on_lanes,
              mp.mean_queued_on_lanes, brain.mean_queued_on_lanes,
              change(fixed.mean_queued_on_lanes, brain.mean_queued_on_lanes));
  std::printf("%-26s %12lld %12lld %12lld\n", "signal changes", reports[0].phase_changes,
              reports[1].phase_changes, reports[2].phase_changes);
  std::printf("%-26s %12lld %12lld %12lld\n", "safety violations", reports[0].safety_violations,
              reports[1].safety_violations, reports[2].safety_violations);
  std::printf(
      "\nThe brain re-timed the signals %lld times: average travel time %.1f s instead of %.1f s under fixed "
      "time (%.1f%%), %.1f%% against max-pressure.\n",
      reports[2].phase_changes, brain.average_travel_time_s, fixed.average_travel_time_s,
      change(fixed.average_travel_time_s, brain.average_travel_time_s),
      change(mp.average_travel_time_s, brain.average_travel_time_s));
  std::printf("(3 runs in %.1f s of wall time)\n", wall_s);
  return 0;
}

// The options shared with citybrain-serve (cli_options.h).
using cb::app::AddBrainRoutesOption;
using cb::app::AddLaneChangeOption;
using cb::app::AddMaxVehiclesOption;
using cb::app::AddSignalOptions;

// --protocol NAME (run::Protocol), offered by run and compare.
void AddProtocolOption(CLI::App* command, std::string& protocol) {
  std::string help =
      "Evaluation protocol; it sets what you leave unset (decisions, yellow, lane changes, duration) and "
      "chooses the travel-time metric:";
  for (const cb::run::Protocol& p : cb::run::Protocols()) help += " " + p.name + " = " + p.summary + ";";
  help.back() = ' ';
  help += "(PRODUCT.md, docs/controllers.md)";
  command->add_option("--protocol", protocol, help)
      ->check(CLI::IsMember(cb::run::ProtocolNames()))
      ->capture_default_str();
}

constexpr const char* kDurationHelp =
    "Simulated seconds, at most 604800 (one week) [default: the data's: 3600 on CityFlow networks, 1200 on "
    "City Brain Challenge ones]";

}  // namespace

int main(int argc, char** argv) {
  cb::app::UseHugePagesForHeap();  // first: a first touch of memory is dear (heap.h)
#ifdef CITYBRAIN_WITH_PYTHON
  cb::app::RegisterPythonPlugin(argv[0]);  // --controller python:MODULE:CLASS, from its plugin
#endif
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
                        "Road network: CityFlow roadnet.json, CBEngine roadnet.txt or SUMO .net.xml "
                        "(detected from the content)");
    run_cmd->add_option(
        "--flow", run.flow,
        "Demand: CityFlow flow.json, CBEngine flow.txt or SUMO .rou.xml (detected from the content)");
    run_cmd->add_option(
        "--config", run.config,
        "A CityFlow config.json or SUMO .sumocfg naming the network and demand (instead of both)");
    run_cmd
        ->add_option("--controller", run.controller,
                     "Signal controller: " + controllers +
                         ", or python:MODULE:CLASS (a Python class's decide(observation), docs/python.md)")
        ->capture_default_str();
    AddProtocolOption(run_cmd, run.protocol);
    AddBrainRoutesOption(run_cmd, run.brain_routes);
    run_cmd->add_flag(
        "!--no-brain-city-scale", run.brain_city_scale,
        "Where the brain's whole-city look-ahead is over its compute budget (a large city), leave those "
        "rounds to its rule instead of planning at city scale (each signal tries one alternative phase, many "
        "signals per rollout, each judged within its neighbourhood; docs/controllers.md, \"City scale\"; "
        "on by default)");
    run_cmd->add_flag("--brain-city-scale", run.brain_city_scale, "Plan at city scale (the default)");
    run_cmd
        ->add_option(
            "--brain-city-budget", run.brain_city_budget,
            "The city-scale plan's compute budget: vehicle-updates of look-ahead per simulated second; "
            "a round over it is left to the brain's rule. Raise it when more cores or MPI ranks "
            "(mpirun -np N) share the work: it is not scaled by them, so that results never depend on "
            "the number of ranks")
        ->capture_default_str();
    run_cmd
        ->add_option("--brain-plan-budget", run.brain_plan_budget,
                     "The whole-city plan's compute budget: vehicle-updates of look-ahead per simulated "
                     "second; a round over it is planned at city scale (or left to the rule). Not scaled by "
                     "cores or ranks either")
        ->capture_default_str();
    run_cmd->add_flag("--brain-check-city-scale", run.brain_check_city_scale,
                      "A measurement for small networks: the brain plans every round at city scale and, for "
                      "each signal it judges, also runs the whole-city rollout of its alternative alone; the "
                      "report says how often the two verdicts agree (slow)");
    run_cmd->add_option("--duration", run.duration_s, kDurationHelp);
    AddSignalOptions(run_cmd, run.signals);
    AddLaneChangeOption(run_cmd, run.lane_change);
    AddMaxVehiclesOption(run_cmd, run.max_vehicles);
    run_cmd->add_option_function<std::vector<std::string>>(
        "--controller-at",
        [&run](const std::vector<std::string>& given) {
          for (const std::string& item : given) {
            const std::size_t eq = item.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
              throw CLI::ValidationError(
                  "--controller-at",
                  "expected ID=NAME (an intersection id and a controller name), got '" + item + "'");
            }
            run.controller_at[item.substr(0, eq)] = item.substr(eq + 1);
          }
        },
        "Run another controller at one intersection: ID=NAME (repeatable)");
    run_cmd->add_option("--threads", run.threads, "Worker threads (results do not depend on it)")
        ->capture_default_str();
    run_cmd->add_option("--seed", run.seed, "Random seed (default: the config's, else 0)");
    run_cmd->add_option("--series-csv", run.series_csv,
                        "Write the network KPI time series (every 60 s) to this CSV");
    run_cmd->add_option("--intersections-csv", run.intersections_csv,
                        "Write each intersection's queue and throughput (every 60 s) to this CSV");
    run_cmd->add_option("--trips-csv", run.trips_csv,
                        "Write one row per vehicle released (its flow's place in the demand file, "
                        "release and finish time, travel, free-flow and lost seconds) to this CSV");
    run_cmd->add_flag("--bound", run.bound,
                      "Run the free-flow bound instead of a controller: no signals, and movements inside "
                      "intersections never meet, so vehicles only queue behind each other");
    run_cmd->add_flag("--json", run.json, "Print one JSON object with the KPIs instead of a table");
    run_cmd->add_flag("!--no-progress", run.progress, "Do not draw the progress bar");

    std::string data_dir = DefaultDataDir(argv[0]);
    // Results never depend on the thread count, so the long commands use every core.
    const int all_cores = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
    int demo_threads = all_cores;
    CLI::App* demo_cmd = app.add_subcommand(
        "demo", "Run the bundled Hangzhou data under fixed-time, max-pressure and the brain, and compare");
    demo_cmd->add_option("--data-dir", data_dir, "The project's data/ folder")->capture_default_str();
    demo_cmd->add_option("--threads", demo_threads, "Worker threads (results do not depend on it)")
        ->capture_default_str();

    cb::app::CompareSettings compare;
    compare.data_dir = data_dir;
    compare.threads = all_cores;
    std::string scenario_names;
    for (const std::string& n : cb::app::BundledScenarioNames())
      scenario_names += (scenario_names.empty() ? "" : ", ") + n;
    CLI::App* compare_cmd = app.add_subcommand(
        "compare", "Run several controllers on several scenarios and compare their KPIs side by side");
    compare_cmd
        ->add_option("--controllers", compare.controllers,
                     "Comma-separated controllers: " + controllers + ", or python:MODULE:CLASS")
        ->delimiter(',')
        ->required();
    compare_cmd
        ->add_option("--scenarios", compare.scenarios,
                     "Comma-separated scenarios: a bundled dataset (" + scenario_names + ") or ROADNET:FLOW")
        ->delimiter(',')
        ->required();
    compare_cmd
        ->add_option("--data-dir", compare.data_dir, "The project's data/ folder, for bundled scenarios")
        ->capture_default_str();
    AddProtocolOption(compare_cmd, compare.protocol);
    AddBrainRoutesOption(compare_cmd, compare.brain_routes);
    compare_cmd->add_option("--duration", compare.duration_s, kDurationHelp);
    AddSignalOptions(compare_cmd, compare.signals);
    AddLaneChangeOption(compare_cmd, compare.lane_change);
    AddMaxVehiclesOption(compare_cmd, compare.max_vehicles);
    compare_cmd->add_option("--threads", compare.threads, "Worker threads (results do not depend on it)")
        ->capture_default_str();
    compare_cmd->add_option(
        "--report", compare.report,
        "Also write a report with pictures: PATH.md (Markdown) or PATH.html (self-contained)");
    compare_cmd->add_flag(
        "--bound", compare.bound,
        "Add a last row per scenario: the free-flow bound (no signals, and movements inside "
        "intersections never meet). No controller can be expected to beat it; the gap to it "
        "is what signal control could still gain");
    compare_cmd->add_flag("--json", compare.json, "Print one JSON object instead of the tables");

    cb::app::EmergencySettings emergency;
    CLI::App* emergency_cmd = app.add_subcommand(
        "emergency", "Dispatch emergency vehicles; run three ways (plain, sirens, priority) and compare");
    emergency_cmd
        ->add_option("--roadnet", emergency.roadnet,
                     "Road network: CityFlow roadnet.json, CBEngine roadnet.txt or SUMO .net.xml (detected "
                     "from the content)")
        ->required();
    emergency_cmd
        ->add_option(
            "--flow", emergency.flow,
            "Demand: CityFlow flow.json, CBEngine flow.txt or SUMO .rou.xml (detected from the content)")
        ->required();
    emergency_cmd->add_option("--controller", emergency.controller, "Signal controller: " + controllers)
        ->capture_default_str();
    emergency_cmd->add_option("--duration", emergency.duration_s, kDurationHelp);
    CLI::Option* dispatches_opt = emergency_cmd
                                      ->add_option("--dispatches", emergency.dispatches,
                                                   "Random dispatches (long trips across the run)")
                                      ->capture_default_str();
    CLI::Option* seed_opt =
        emergency_cmd->add_option("--seed", emergency.seed, "Seed of the random dispatches")
            ->capture_default_str();
    emergency_cmd
        ->add_option("--dispatch-file", emergency.dispatch_file,
                     "CSV of dispatches: time_s,origin,destination (road ids or quoted \"lat,lon\")")
        ->excludes(dispatches_opt)
        ->excludes(seed_opt);
    AddSignalOptions(emergency_cmd, emergency.signals);
    AddLaneChangeOption(emergency_cmd, emergency.lane_change);
    AddMaxVehiclesOption(emergency_cmd, emergency.max_vehicles);
    emergency_cmd->add_option(
        "--recovery-green", emergency.recovery_green_s,
        "After an EV passed, serve the longest queue this many seconds first (0: hand straight "
        "back; default auto: 10 s under controllers deciding every 5 s or less often, else 0)");
    emergency_cmd->add_flag("!--no-reroute", emergency.reroute,
                            "Do not re-route emergency vehicles on the way");
    emergency_cmd->add_flag("--ev-red-passing", emergency.ev_red_passing,
                            "EVs may cross a red signal at walking speed after stopping at it (some "
                            "cities' laws allow it) [default: never]");
    emergency_cmd->add_option("--engine-seed", emergency.engine_seed,
                              "Simulation seed (default: the scenario's)");
    emergency_cmd->add_option("--threads", emergency.threads, "Worker threads (results do not depend on it)")
        ->capture_default_str();
    emergency_cmd->add_option("--report", emergency.report,
                              "Also write a Markdown report PATH.md with its picture PATH.svg");
    emergency_cmd->add_option("--figure-dispatch", emergency.figure_dispatch,
                              "Dispatch drawn in the report [default: the one nearest the median]");
    emergency_cmd->add_flag("--json", emergency.json, "Print one JSON object instead of the tables");

    // The live service is a program of its own, citybrain-serve (programs.h): every
    // argument after `serve`, --help too, is handed to it unparsed.
    CLI::App* serve_cmd = app.add_subcommand(
        "serve",
        "Run the live City Brain: the twin in real time with an HTTP API, a dashboard and a store "
        "(citybrain serve --help for its options)");
    serve_cmd->set_help_flag();
    serve_cmd->prefix_command();

    cb::app::ImportOsmSettings import_osm;
    CLI::App* import_cmd = app.add_subcommand("import", "Turn map data into a scenario citybrain runs");
    import_cmd->require_subcommand(1);
    CLI::App* import_osm_cmd = import_cmd->add_subcommand(
        "osm", "OpenStreetMap -> SUMO network (netconvert) + random trips + .sumocfg");
    import_osm_cmd->footer(
        "Writes into DIR (created if missing):\n"
        "  NAME.net.xml   the network, converted by SUMO's netconvert with the options of SUMO's\n"
        "                 OpenStreetMap guide: --geometry.remove --ramps.guess --junctions.join\n"
        "                 --tls.guess-signals --tls.discard-simple --tls.join --tls.default-type static\n"
        "                 --keep-edges.by-vclass passenger --remove-edges.isolated --output.street-names,\n"
        "                 plus --no-turnarounds (dead ends stay boundaries where vehicles enter and leave)\n"
        "                 and --xml-validation never. SUMO_HOME is set for netconvert when a SUMO data\n"
        "                 folder with the OSM type map exists (yours, else /usr/share/sumo from Debian's\n"
        "                 sumo-tools); otherwise netconvert uses its built-in type map.\n"
        "  NAME.rou.xml   random trips in SUMO's format, equally spaced at --rate for --duration, each\n"
        "                 from a road entering the network at a dead end or the map's edge to a road\n"
        "                 leaving it, drawn from the pairs a route joins; the same for the same --seed.\n"
        "  NAME.sumocfg   both files, begin 0, end --duration: citybrain run --config DIR/NAME.sumocfg\n"
        "Needs netconvert: apt-get install sumo (Debian/Ubuntu), or scripts/setup.sh.\n"
        "Example: citybrain import osm map.osm -o out/map --rate 900 --seed 7\n"
        "         citybrain run --config out/map/map.sumocfg --controller maxpressure");
    import_osm_cmd->add_option("FILE", import_osm.osm_file, "The OpenStreetMap extract (.osm or .osm.xml)")
        ->required();
    import_osm_cmd->add_option("-o,--output", import_osm.out_dir, "Output folder (created if missing)")
        ->required();
    import_osm_cmd->add_option("--name", import_osm.name,
                               "Stem of the files written [default: FILE's name without .osm / .osm.xml]");
    import_osm_cmd
        ->add_option("--rate", import_osm.rate_veh_per_hour,
                     "Random trips per hour, all boundary pairs together (0 < rate <= 36000)")
        ->capture_default_str();
    import_osm_cmd
        ->add_option("--duration", import_osm.duration_s,
                     "Seconds of departures, and the end of the .sumocfg's window (at most 604800)")
        ->capture_default_str();
    import_osm_cmd->add_option("--seed", import_osm.seed, "Seed of the random trips")->capture_default_str();
    import_osm_cmd
        ->add_option("--netconvert", import_osm.netconvert,
                     "The netconvert program: a name searched on PATH, or a path")
        ->capture_default_str();

    cb::app::ConvertSettings convert;
    CLI::App* convert_cmd = app.add_subcommand(
        "convert",
        "Write a scenario (any format citybrain reads) as CityFlow files: DIR/roadnet.json, DIR/flow.json "
        "and "
        "DIR/config.json naming them; reading them back gives the same KPIs, up to what CityFlow cannot "
        "express, which is printed (docs/formats.md, \"Writing CityFlow files\")");
    convert_cmd->add_option("--roadnet", convert.roadnet,
                            "Road network: CityFlow roadnet.json, CBEngine roadnet.txt or SUMO .net.xml "
                            "(detected from the content)");
    convert_cmd->add_option(
        "--flow", convert.flow,
        "Demand: CityFlow flow.json, CBEngine flow.txt or SUMO .rou.xml (detected from the content)");
    convert_cmd->add_option(
        "--config", convert.config,
        "A CityFlow config.json or SUMO .sumocfg naming the network and demand (instead of both)");
    convert_cmd
        ->add_option("--to", convert.to,
                     "Format to write: cityflow (roadnet.json + flow.json + config.json with the scenario's "
                     "step as interval, its seed and its lane-change default as laneChange)")
        ->required();
    convert_cmd->add_option("-o,--output", convert.output_dir, "Folder to write into (created if missing)")
        ->required();

    CLI11_PARSE(app, argc, argv);

    if (*run_cmd) {
      if (run.config.empty() && (run.roadnet.empty() || run.flow.empty())) {
        std::fprintf(stderr, "citybrain run: give --roadnet and --flow, or --config (see --help)\n");
        return 2;
      }
      if (run.json) run.progress = false;
      // Under mpirun every rank runs this command; the brain spreads its rollouts
      // over them and rank 0 alone reports (base/ranks.h).
      auto ranks = cb::JoinRanks(cb::DefaultMpiPluginPath(), &argc, &argv);
      if (!ranks.ok()) {
        std::fprintf(stderr, "citybrain: %s\n", ranks.status().message().c_str());
        return 1;
      }
      run.ranks = ranks->get();
      if ((*ranks)->rank() != 0) run.progress = false;
      auto report = cb::app::RunScenario(run);
      if (!report.ok()) {
        std::fprintf(stderr, "citybrain%s: %s\n",
                     (*ranks)->size() > 1 ? (" (rank " + std::to_string((*ranks)->rank()) + ")").c_str() : "",
                     report.status().message().c_str());
        if ((*ranks)->size() > 1) (*ranks)->Abort(1);
        return 1;
      }
      if ((*ranks)->rank() != 0) return 0;
      std::cout << (run.json ? cb::app::ReportJson(run, *report) + "\n" : cb::app::ReportText(run, *report));
      return 0;
    }
    // Only `run` spreads over MPI ranks: the other commands run on rank 0 alone.
    if (cb::LaunchedByMpi()) {
      if (cb::RankFromEnvironment() != 0) return 0;
      std::fprintf(stderr,
                   "citybrain: started by an MPI launcher: only `citybrain run` uses the other ranks; this "
                   "command runs on rank 0 alone\n");
    }
    if (*convert_cmd) {
      cb::Status status = cb::app::RunConvert(convert, std::cout);
      if (!status.ok()) {
        std::fprintf(stderr, "citybrain convert: %s\n", status.message().c_str());
        return 1;
      }
      return 0;
    }
    if (*demo_cmd) return RunDemo(data_dir, demo_threads);
    if (*import_osm_cmd) {
      auto imported = cb::app::ImportOsm(import_osm);
      if (!imported.ok()) {
        std::fprintf(stderr, "citybrain %s\n", imported.status().message().c_str());
        return 1;
      }
      std::cout << cb::app::ImportOsmText(*imported);
      return 0;
    }
    if (*serve_cmd) return cb::app::ExecServeProgram(argv[0], serve_cmd->remaining());
    if (*compare_cmd) {
      cb::Status status = cb::app::RunCompare(compare, std::cout, std::cerr);
      if (!status.ok()) {
        std::fprintf(stderr, "citybrain compare: %s\n", status.message().c_str());
        return 1;
      }
      return 0;
    }
    if (*emergency_cmd) {
      cb::Status status = cb::app::RunEmergency(emergency, std::cout, std::cerr);
      if (!status.ok()) {
        std::fprintf(stderr, "citybrain emergency: %s\n", status.message().c_str());
        return 1;
      }
      return 0;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "citybrain: internal error: %s\n", e.what());
    return 3;
  }
}
