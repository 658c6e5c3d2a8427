// The HTTP server of the service (docs/api.md): its settings, JSON errors for
// what no handler answers, the dashboard, the endpoint list, and every resource's
// routes (http_<resource>.cc).
#include "service/http_api.h"

#include <filesystem>

#include "service/http_common.h"

namespace cb::service {

using namespace http;

void InstallRoutes(httplib::Server& server, const ApiContext& api) {
  const ServiceOptions& options = api.options;
  // Threads, connection limits and the read and idle time-outs are the front's
  // (HttpFront, http_front.h, set up in service.cc).
  server.set_payload_max_length(options.max_body_bytes);
  // Headers and body go out in separate writes: without TCP_NODELAY a response's
  // last partial segment waits for the peer's delayed ACK (40 ms on Linux).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10000);
  server.set_write_timeout(5);  // a stream's send to a client that does not read
  InstallRequestHandling(server, options, api.store.run_id());  // request ids, JSON errors, exceptions

  // --- Dashboard ---------------------------------------------------------------
  std::error_code ec;
  if (!options.web_root.empty() && std::filesystem::is_regular_file(options.web_root + "/index.html", ec)) {
    server.set_mount_point("/", options.web_root);
    // Not "text/javascript", which httplib would brotli-compress at its slowest on every load.
    server.set_file_extension_and_mimetype_mapping("js", "application/javascript; charset=utf-8");
  } else {
    server.Get("/", [](const Request& req, Response& res) {
      if (!CheckRequestText(req, res)) return;
      res.set_content(
          "<!doctype html><title>citybrain</title><p>The dashboard is not built: run "
          "<code>scripts/setup.sh</code> "
          "(npm ci &amp;&amp; npm run build in web/), or pass --web-root. The API is at <a "
          "href=\"/api/v1\">/api/v1</a>.</p>",
          "text/html");
    });
  }

  // --- The API -------------------------------------------------------------------
  server.Get("/api/v1", [](const Request& req, Response& res) {
    if (!CheckRequestText(req, res)) return;
    SendJson(
        req, res, 200,
        Json{{"version", 1},
             {"endpoints",
              {"GET /api/v1/network", "GET /api/v1/state", "GET /api/v1/stream", "GET /api/v1/vehicles",
               "GET /api/v1/kpis", "GET /api/v1/events", "GET /api/v1/runs", "GET /api/v1/controllers",
               "POST /api/v1/controller", "POST /api/v1/intersections/{id}/override", "GET /api/v1/emergency",
               "POST /api/v1/emergency", "POST /api/v1/detections", "POST /api/v1/sim"}}});
  });
  InstallStateRoutes(server, api);
  InstallStreamRoutes(server, api);
  InstallHistoryRoutes(server, api);
  InstallControlRoutes(server, api);
  InstallEmergencyRoutes(server, api);
  InstallDetectionRoutes(server, api);
}

}  // namespace cb::service
