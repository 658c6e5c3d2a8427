// citybrain-serve: the live City Brain (src/service), the program behind
// `citybrain serve`, which replaces itself with this one (programs.h) so that the
// `citybrain` command itself never loads the HTTP stack (cpp-httplib with OpenSSL
// and brotli) or SQLite. Its options are those of `citybrain serve`, and it names
// itself so in its help and messages. The only try/catch of the program is here.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "cli_options.h"
#include "serve_command.h"
#ifdef CITYBRAIN_WITH_PYTHON
#include "python_plugin.h"
#endif

int main(int argc, char** argv) {
#ifdef CITYBRAIN_WITH_PYTHON
  cb::app::RegisterPythonPlugin(argv[0]);  // --controller python:MODULE:CLASS
#endif
  try {
    cb::app::ServeSettings serve;
    CLI::App app{"Run the live City Brain: the twin in real time with an HTTP API, a dashboard and a store",
                 "citybrain serve"};
    CLI::App* cli = &app;
    cli->add_option("--roadnet", serve.roadnet,
                    "Road network: CityFlow roadnet.json, CBEngine roadnet.txt or SUMO .net.xml "
                    "(detected from the content)");
    cli->add_option(
        "--flow", serve.flow,
        "Demand: CityFlow flow.json, CBEngine flow.txt or SUMO .rou.xml (detected from the content)");
    cli->add_option("--config", serve.config,
                    "A CityFlow config.json or SUMO .sumocfg naming the network and demand");
    cli->add_option(
           "--controller", serve.controller,
           "Signal controller at start: " + cb::app::ControllerNamesText() + ", or python:MODULE:CLASS")
        ->capture_default_str();
    cb::app::AddBrainRoutesOption(cli, serve.brain_routes);
    cli->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
    cli->add_option("--port", serve.port, "Port to listen on (0: any free port)")->capture_default_str();
    cli->add_option("--speed", serve.speed, "Simulated seconds per wall second (1 = real time), or max")
        ->capture_default_str();
    cli->add_option("--token-file", serve.token_file,
                    "Read the operator token from this file [default: DATA-DIR/operator.token, generated]");
    cli->add_option("--data-dir", serve.data_dir, "Folder of the store and the generated token")
        ->capture_default_str();
    cli->add_option("--web-root", serve.web_root, "Folder of the built dashboard [default: web/dist]");
    cb::app::AddSignalOptions(cli, serve.signals);
    cb::app::AddLaneChangeOption(cli, serve.lane_change);
    cli->add_flag("--ev-red-passing", serve.ev_red_passing,
                  "Emergency vehicles may cross a red signal at walking speed after stopping at it "
                  "(some cities' laws allow it) [default: never]");
    cb::app::AddMaxVehiclesOption(cli, serve.max_vehicles);
    cli->add_option("--threads", serve.threads, "Simulation worker threads")->capture_default_str();
    cli->add_option("--http-threads", serve.http_threads,
                    "HTTP request worker threads (streams and waiting connections hold none)")
        ->capture_default_str();
    cli->add_option("--stream-clients", serve.stream_clients,
                    "Open event streams at most (each has its own thread); more are answered 503")
        ->capture_default_str();
    cli->add_option("--max-connections", serve.max_connections,
                    "Open HTTP connections at most; more are answered 503 and closed")
        ->capture_default_str();
    cli->add_flag("--paused", serve.paused, "Start paused (resume from the dashboard or POST /api/v1/sim)");

    CLI11_PARSE(app, argc, argv);
    return cb::app::RunServe(serve, argv[0]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "citybrain serve: internal error: %s\n", e.what());
    return 3;
  }
}
