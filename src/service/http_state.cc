// GET /api/v1/network, /state, /vehicles, /controllers: the network and the live
// twin (docs/api.md, "Reading").
#include "control/registry.h"
#include "service/http_common.h"

namespace cb::service::http {
namespace {

constexpr std::size_t kMaxVehicles = 200000;

void GetNetwork(const ApiContext& api, const Request& req, Response& res) {
  if (AcceptsGzip(req)) return SendGzipped(res, api.network_json_gzip);
  SendJson(req, res, 200, api.network_json);
}

void GetState(const ApiContext& api, const Request& req, Response& res) {
  const Frame state = api.frames.State();
  if (!AcceptsGzip(req) || state->size() < kGzipFrom) return SendJson(req, res, 200, *state);
  SendGzipped(res, api.frames.GzippedState(state));
}

void GetVehicles(const ApiContext& api, const Request& req, Response& res) {
  auto limit = QueryInt(req, "limit", static_cast<long long>(kMaxVehicles), 1, kMaxVehicles);
  if (!limit.ok()) return SendError(res, 400, limit.status().message());
  const SimulationLoop::Vehicles running = api.sim.RunningVehicles();  // formatted outside the lock
  SendJson(
      req, res, 200,
      VehiclesJson(api.sim.network(), running.time_s, running.vehicles, static_cast<std::size_t>(*limit)));
}

void GetControllers(const ApiContext& api, const Request& req, Response& res) {
  SendJson(req, res, 200,
           Json{{"controllers", control::ControllerNames()}, {"current", api.sim.controller()}});
}

}  // namespace

void InstallStateRoutes(httplib::Server& server, const ApiContext& api) {
  server.Get("/api/v1/network", Bind(api, GetNetwork));
  server.Get("/api/v1/state", Bind(api, GetState));
  server.Get("/api/v1/vehicles", Bind(api, GetVehicles));
  server.Get("/api/v1/controllers", Bind(api, GetControllers));
}

}  // namespace cb::service::http
