// GET /api/v1/runs, /kpis, /events: the store's history of every run, as JSON or
// CSV (docs/api.md). Read through the store's reading connection: never waits for
// the simulation thread.
#include "service/http_common.h"

namespace cb::service::http {
namespace {

void GetRuns(const ApiContext& api, const Request& req, Response& res) {
  auto runs = api.store.Runs();
  if (!runs.ok()) return SendError(res, 500, runs.status().message());
  Json out = Json::array();
  for (const RunRow& r : *runs) {
    out.push_back({{"run_id", r.run_id},
                   {"started_ms", r.started_ms},
                   {"roadnet", r.roadnet},
                   {"flow", r.flow},
                   {"controller", r.controller}});
  }
  SendJson(req, res, 200, Json{{"current", api.store.run_id()}, {"runs", std::move(out)}});
}

void GetKpis(const ApiContext& api, const Request& req, Response& res) {
  auto csv = WantsCsv(req);
  auto run = QueryRun(req, api.store.run_id());
  auto limit = QueryInt(req, "limit", 10000, 1, 100000);
  for (const Status* st : {&csv.status(), &run.status(), &limit.status()}) {
    if (!st->ok()) return SendError(res, 400, st->message());
  }
  auto rows = api.store.Kpis({*run, 0, static_cast<int>(*limit)});
  if (!rows.ok()) return SendError(res, 500, rows.status().message());
  if (*csv) {
    res.set_header("Content-Disposition", "attachment; filename=\"citybrain-kpis.csv\"");
    return res.set_content(KpisCsv(*rows), "text/csv");
  }
  Json out = Json::array();
  for (const KpiRow& k : *rows) {
    out.push_back({{"run_id", k.run_id},
                   {"time_s", k.time_s},
                   {"wall_ms", k.wall_ms},
                   {"controller", k.controller},
                   {"on_road", k.on_road},
                   {"waiting_to_enter", k.waiting_to_enter},
                   {"entered", k.entered},
                   {"finished", k.finished},
                   {"average_travel_time_s", k.average_travel_time_s},
                   {"delay_index", k.delay_index},
                   {"queued_on_lanes", k.queued_on_lanes}});
  }
  SendJson(req, res, 200, Json{{"current_run", api.store.run_id()}, {"samples", std::move(out)}});
}

void GetEvents(const ApiContext& api, const Request& req, Response& res) {
  auto csv = WantsCsv(req);
  auto run = QueryRun(req, api.store.run_id());
  auto limit = QueryInt(req, "limit", 1000, 1, 100000);
  auto after = QueryInt(req, "after_id", 0, 0, 1LL << 62);
  for (const Status* st : {&csv.status(), &run.status(), &limit.status(), &after.status()}) {
    if (!st->ok()) return SendError(res, 400, st->message());
  }
  auto rows = api.store.Events({*run, *after, static_cast<int>(*limit)});
  if (!rows.ok()) return SendError(res, 500, rows.status().message());
  if (*csv) {
    res.set_header("Content-Disposition", "attachment; filename=\"citybrain-events.csv\"");
    return res.set_content(EventsCsv(*rows), "text/csv");
  }
  Json out = Json::array();
  for (const EventRow& e : *rows) {
    out.push_back({{"id", e.id},
                   {"run_id", e.run_id},
                   {"time_s", e.time_s},
                   {"wall_ms", e.wall_ms},
                   {"kind", e.kind},
                   {"intersection", e.intersection},
                   {"phase", e.phase},
                   {"source", e.source},
                   {"detail", e.detail}});
  }
  SendJson(req, res, 200, Json{{"current_run", api.store.run_id()}, {"events", std::move(out)}});
}

}  // namespace

void InstallHistoryRoutes(httplib::Server& server, const ApiContext& api) {
  server.Get("/api/v1/runs", Bind(api, GetRuns));
  server.Get("/api/v1/kpis", Bind(api, GetKpis));
  server.Get("/api/v1/events", Bind(api, GetEvents));
}

}  // namespace cb::service::http
