// Internal to src/service: the HTTP API (docs/api.md) over the service's three
// parts. Not a public header.
//
// InstallRoutes configures an httplib::Server (body limit, write time-out, JSON
// errors) and registers the dashboard and every /api/v1 route; the service's server
// is an HttpFront (http_front.h), which owns the threads and connection limits.
// Handlers run on its request workers (the stream on its stream threads) and reach
// the service only through an ApiContext:
// the twin through SimulationLoop's methods (each takes the engine mutex for one
// call; handlers never lock it themselves), the latest frame and the stream through
// the FramePublisher, the history and the event log through the StoreWriter.
#pragma once

#include <httplib.h>

#include <string>

#include "service/frame_publisher.h"
#include "service/service.h"
#include "service/simulation_loop.h"
#include "service/store_writer.h"

namespace cb::service {

// What the handlers see of the service. Everything outlives the server.
struct ApiContext {
  const ServiceOptions& options;
  const std::string& token;         // the operator token
  const std::string& network_json;  // body of GET /api/v1/network; immutable
  const Frame& network_json_gzip;   // the same, gzipped
  SimulationLoop& sim;
  FramePublisher& frames;
  StoreWriter& store;
};

void InstallRoutes(httplib::Server& server, const ApiContext& context);

}  // namespace cb::service
