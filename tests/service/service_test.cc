// The live service end to end over HTTP, in-process: a Service on an ephemeral
// port of 127.0.0.1, driven with httplib's client.
#include "service/service.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>
#include <vector>

#include "service_testing.h"

namespace cb::service {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

struct Running {
  std::unique_ptr<Service> service;
  std::unique_ptr<httplib::Client> client;
  httplib::Headers auth;

  Json Get(const std::string& path, int expect = 200) {
    auto res = client->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return Json();
    EXPECT_EQ(res->status, expect) << path << ": " << res->body;
    return Json::parse(res->body, nullptr, false);
  }
  httplib::Result Post(const std::string& path, const std::string& body, bool with_token = true) {
    return with_token ? client->Post(path, auth, body, "application/json")
                      : client->Post(path, body, "application/json");
  }
  // Polls GET /state until `done` holds, for at most `limit` of wall time.
  Json StateWhen(const std::function<bool(const Json&)>& done, std::chrono::milliseconds limit = 10s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    Json state;
    while (std::chrono::steady_clock::now() < until) {
      state = Get("/api/v1/state");
      if (done(state)) return state;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "state never reached the expected condition: " << state.dump().substr(0, 300);
    return state;
  }
  // Events of the current run once `kind` appears (events reach the store within ~0.2 s).
  Json EventsWith(const std::string& kind) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    Json events;
    while (std::chrono::steady_clock::now() < until) {
      // Oldest first (after_id), so that a flood of later events cannot hide it.
      events = Get("/api/v1/events?run=current&after_id=1&limit=100000")["events"];
      for (const Json& e : events) {
        if (e["kind"] == kind) return events;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no '" << kind << "' event in " << events.dump().substr(0, 500);
    return events;
  }
};

Running Start(const std::string& data_dir, double speed, const std::string& controller = "fixed") {
  ServiceOptions options;
  options.port = 0;
  options.data_dir = data_dir;
  options.speed = speed;
  options.controller = controller;
  options.http_threads = 16;
  options.max_stream_clients = 8;
  auto service = Service::Create(testing::CrossScenario(), options);
  EXPECT_TRUE(service.ok()) << service.status().message();
  Running r;
  r.service = std::move(service).value();
  EXPECT_TRUE(r.service->Start().ok());
  r.client = std::make_unique<httplib::Client>("127.0.0.1", r.service->port());
  r.client->set_read_timeout(10, 0);
  r.auth = {{"Authorization", "Bearer " + r.service->token()}};
  return r;
}

void ExpectJsonError(const httplib::Result& res, int status, const std::string& contains = "") {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("application/json", 0), 0u);
  Json body = Json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << res->body;
  ASSERT_TRUE(body.contains("error")) << res->body;
  EXPECT_NE(body["error"].get<std::string>().find(contains), std::string::npos) << res->body;
}

TEST(Service, StateAdvancesAndTheNetworkIsServed) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 50);
  Json network = r.Get("/api/v1/network");
  EXPECT_EQ(network["intersections"].size(), 5u);
  EXPECT_EQ(network["signals"].size(), 1u);
  EXPECT_EQ(network["roads"].size(), 8u);
  const double t0 = r.Get("/api/v1/state")["time_s"].get<double>();
  Json state = r.StateWhen([&](const Json& s) { return s["time_s"].get<double>() >= t0 + 5; });
  EXPECT_EQ(state["paused"], false);
  EXPECT_EQ(state["speed"], 50);
  EXPECT_EQ(state["signals"]["phase"].size(), 1u);
  EXPECT_EQ(state["lanes"]["vehicles"].size(), network["lane_road"].size());
  EXPECT_TRUE(state["kpis"].contains("delay_index"));
  r.Get("/api/v1/nope", 404);
  Json vehicles = r.Get("/api/v1/vehicles");
  EXPECT_EQ(vehicles["road"].size(), vehicles["pos"].size());
  EXPECT_EQ(vehicles["lane"].size(), vehicles["pos"].size());
  for (const Json& p : vehicles["pos"]) EXPECT_LE(p.get<int>(), 1000);
  // No dashboard was given: / says how to build it.
  auto page = r.client->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("npm run build"), std::string::npos);
}

// The service runs without end: it refuses at load a demand beyond its vehicle
// limit over the data's run length (here 900 + 720 + 515 + 600 = 2735 in 3600 s),
// and once running past it, its flows stop at the limit and say so once.
TEST(Service, RefusesTooManyVehiclesAtLoadAndStopsAtTheLimit) {
  testing::TempDir dir;
  ServiceOptions options;
  options.port = 0;
  options.data_dir = dir.path();
  options.speed = 0;
  options.http_threads = 4;
  options.max_stream_clients = 2;
  options.max_vehicles = 2734;
  auto refused = Service::Create(testing::CrossScenario(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("would create 2735 vehicles"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--max-vehicles"), std::string::npos);

  options.max_vehicles = 2735;
  auto service = Service::Create(testing::CrossScenario(), options);
  ASSERT_TRUE(service.ok()) << service.status().message();
  Running r;
  r.service = std::move(service).value();
  ASSERT_TRUE(r.service->Start().ok());
  r.client = std::make_unique<httplib::Client>("127.0.0.1", r.service->port());
  r.client->set_read_timeout(10, 0);
  Json events = r.EventsWith("vehicle_limit");
  for (const Json& e : events) {
    if (e["kind"] == "vehicle_limit") {
      EXPECT_NE(e["detail"].get<std::string>().find("limit of 2735 vehicles"), std::string::npos) << e.dump();
      EXPECT_GE(e["time_s"].get<double>(), 3600);
    }
  }
  r.service->Stop();
}

TEST(Service, ServesTheDashboardFolder) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "web");
  std::ofstream(dir / "web/index.html") << "<!doctype html><title>dashboard</title>";
  std::ofstream(dir / "web/app.js") << "console.log(1);";
  ServiceOptions options;
  options.port = 0;
  options.data_dir = dir / "data";
  options.web_root = dir / "web";
  options.http_threads = 4;
  options.max_stream_clients = 2;
  auto service = Service::Create(testing::CrossScenario(), options);
  ASSERT_TRUE(service.ok()) << service.status().message();
  ASSERT_TRUE((*service)->Start().ok());
  httplib::Client client("127.0.0.1", (*service)->port());
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("<title>dashboard</title>"), std::string::npos);
  auto script = client.Get("/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->body, "console.log(1);");
  auto api = client.Get("/api/v1/state");  // the API still answers under the mount point
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
}

TEST(Service, ControlNeedsTheOperatorTokenAndFailuresAreLogged) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 10);
  ExpectJsonError(r.Post("/api/v1/sim", R"({"action":"pause"})", false), 401, "missing operator token");
  httplib::Headers wrong = {{"Authorization", "Bearer " + std::string(64, 'a')}};
  ExpectJsonError(r.client->Post("/api/v1/sim", wrong, R"({"action":"pause"})", "application/json"), 401,
                  "wrong operator token");
  httplib::Headers basic = {{"Authorization", "Basic dXNlcjpwYXNz"}};
  ExpectJsonError(
      r.client->Post("/api/v1/controller", basic, R"({"controller":"fixed"})", "application/json"), 401);
  EXPECT_EQ(r.Get("/api/v1/state")["paused"], false);  // nothing happened
  Json events = r.EventsWith("auth_failure");
  int failures = 0;
  for (const Json& e : events) failures += e["kind"] == "auth_failure" ? 1 : 0;
  EXPECT_GE(failures, 1);
}

TEST(Service, MalformedAndOversizedRequestsGetJsonErrors) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 10);
  ExpectJsonError(r.Post("/api/v1/sim", "{\"action\": \"pause\""), 400, "request body");
  ExpectJsonError(r.Post("/api/v1/sim", "[1,2]"), 400, "expected a JSON object");
  ExpectJsonError(r.Post("/api/v1/sim", ""), 400, "empty request body");
  ExpectJsonError(r.Post("/api/v1/sim", R"({"action":"jump"})"), 400, "action");
  ExpectJsonError(r.Post("/api/v1/sim", R"({"speed":-3})"), 400, "speed");
  ExpectJsonError(r.Post("/api/v1/intersections/C/override", R"({"phase":"two","duration_s":10})"), 400,
                  "phase");
  ExpectJsonError(r.Post("/api/v1/intersections/C/override", R"({"phase":2})"), 400, "duration_s");
  ExpectJsonError(
      r.Post("/api/v1/intersections/C/override", R"({"phase":18446744073709551615,"duration_s":9})"), 400,
      "phase");
  ExpectJsonError(r.Post("/api/v1/controller", R"({"controller":42})"), 400, "controller");
  ExpectJsonError(r.Post("/api/v1/controller", R"({"controller":"psychic"})"), 400, "unknown controller");
  // A caller may not name code for the service to import and run.
  ExpectJsonError(r.Post("/api/v1/controller", R"({"controller":"python:os:system"})"), 400,
                  "only built-in controllers can be chosen over HTTP");
  ExpectJsonError(r.Post("/api/v1/detections", R"({"intersection":"C","lanes":"many"})"), 400, "lanes");
  ExpectJsonError(r.Post("/api/v1/emergency", R"({"origin":"N_C"})"), 400, "destination");
  ExpectJsonError(r.client->Get("/api/v1/kpis?limit=abc"), 400, "limit");
  ExpectJsonError(r.client->Get("/api/v1/events?format=xml"), 400, "format");
  // Over the 64 KiB body limit: refused before any handler runs.
  const std::string huge = "{\"pad\":\"" + std::string(70 * 1024, 'x') + "\"}";
  ExpectJsonError(r.Post("/api/v1/sim", huge), 413, "larger than");
  // Deeply nested JSON within the limit is parsed without harm.
  ExpectJsonError(r.Post("/api/v1/sim", std::string(30000, '[') + std::string(30000, ']')), 400);
  // Still alive and stepping.
  const double t = r.Get("/api/v1/state")["time_s"].get<double>();
  r.StateWhen([&](const Json& s) { return s["time_s"].get<double>() > t; });
}

TEST(Service, UnsafeOrUnknownOverridesAreRefused) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 10);
  ExpectJsonError(r.Post("/api/v1/intersections/C/override",
                         R"({"phase":)" + std::to_string(testing::kUnsafePhase) + R"(,"duration_s":30})"),
                  409, "conflicting");
  ExpectJsonError(r.Post("/api/v1/intersections/C/override", R"({"phase":0,"duration_s":30})"), 409,
                  "not a control phase");
  ExpectJsonError(r.Post("/api/v1/intersections/C/override", R"({"phase":99,"duration_s":30})"), 409);
  ExpectJsonError(r.Post("/api/v1/intersections/Z/override", R"({"phase":1,"duration_s":30})"), 404,
                  "unknown");
  ExpectJsonError(r.Post("/api/v1/intersections/N/override", R"({"phase":1,"duration_s":30})"), 409,
                  "no signal");
  r.EventsWith("override_refused");
  EXPECT_EQ(r.Get("/api/v1/state")["signals"]["held"][0], 0);
}

TEST(Service, AnOverrideIsShownAfterTheClearanceAndHeld) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  // Every signal shows its first control phase (1) at the start: ask for 2.
  auto res = r.Post("/api/v1/intersections/C/override", R"({"phase":2,"duration_s":600})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  // Shown once the clearance has run (the safety monitor, which checks that every
  // change passes through it, counts no violation).
  Json state = r.StateWhen([&](const Json& s) { return s["signals"]["phase"][0] == 2; });
  EXPECT_EQ(state["signals"]["held"][0], 1);
  EXPECT_EQ(state["signals"]["granted"][0], 2);
  EXPECT_EQ(state["counters"]["safety_violations"], 0);
  Json events = r.EventsWith("hold");
  bool operator_hold = false;
  for (const Json& e : events)
    operator_hold |= e["kind"] == "hold" && e["source"] == "operator" && e["phase"] == 2;
  EXPECT_TRUE(operator_hold);
  // Released on request: the hold ends.
  res = r.Post("/api/v1/intersections/C/override", R"({"release":true})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  r.StateWhen([](const Json& s) { return s["signals"]["held"][0] == 0; });
}

TEST(Service, PauseResumeAndSpeed) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  auto res = r.Post("/api/v1/sim", R"({"action":"pause"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json paused = r.Get("/api/v1/state");
  EXPECT_EQ(paused["paused"], true);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(r.Get("/api/v1/state")["time_s"], paused["time_s"]);
  res = r.Post("/api/v1/sim", R"({"action":"resume","speed":"max"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  Json state =
      r.StateWhen([&](const Json& s) { return s["time_s"].get<double>() > paused["time_s"].get<double>(); });
  EXPECT_EQ(state["speed"], "max");
  r.EventsWith("sim_control");
}

TEST(Service, ControllerDetectionsAndEmergency) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  auto res = r.Post("/api/v1/controller", R"({"controller":"maxpressure"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  r.StateWhen([](const Json& s) { return s["controller"] == "maxpressure"; });
  res = r.Post("/api/v1/controller", R"({"controller":"fixed","intersection":"C"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  r.StateWhen([](const Json& s) { return s["controller_at"].value("C", "") == "fixed"; });
  r.EventsWith("controller_changed");

  // Detections: lane by number, by "road:index" and by CityFlow's "road_index".
  res = r.Post("/api/v1/detections", R"({"intersection":"C","lanes":[{"lane":"N_C:0","count":9,"queue":8},)"
                                     R"({"lane":"S_C_0","count":7,"queue":7},{"lane":0,"count":1}]})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ExpectJsonError(
      r.Post("/api/v1/detections", R"({"intersection":"C","lanes":[{"lane":"nowhere:0","count":1}]})"), 404,
      "unknown lane");
  ExpectJsonError(
      r.Post("/api/v1/detections", R"({"intersection":"C","lanes":[{"lane":"N_C:7","count":1}]})"), 400,
      "has lanes");
  ExpectJsonError(
      r.Post("/api/v1/detections", R"({"intersection":"C","lanes":[{"lane":"N_C:0","count":1,"queue":4}]})"),
      400, "queue");
  ExpectJsonError(r.Post("/api/v1/detections", R"({"intersection":"Q","lanes":[{"lane":0,"count":1}]})"),
                  404);
  r.EventsWith("detections");

  res = r.Post("/api/v1/emergency", R"({"origin":"E_C","destination":"C_W"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json dispatched = Json::parse(res->body);
  EXPECT_TRUE(dispatched["vehicle"].is_number_integer());
  EXPECT_EQ(dispatched["route"], Json::array({"E_C", "C_W"}));
  ExpectJsonError(r.Post("/api/v1/emergency", R"({"origin":"E_C","destination":"nowhere"})"), 404, "unknown");
  ExpectJsonError(r.Post("/api/v1/emergency", R"({"origin":"C_S","destination":"N_C"})"), 409);
  r.EventsWith("emergency_dispatched");
}

// GET /api/v1/emergency: the run's dispatches while they drive and once they
// arrived, the newest `limit` of them, and its bad queries.
TEST(Service, EmergencyVehiclesAreListedUntilTheyArrive) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  Json list = r.Get("/api/v1/emergency");
  EXPECT_EQ(list["dispatcher"], "emergency-library");
  EXPECT_EQ(list["dispatched"], 0);
  EXPECT_EQ(list["trips"], Json::array());

  auto res = r.Post("/api/v1/emergency", R"({"origin":"E_C","destination":"C_W"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const Json dispatched = Json::parse(res->body);
  list = r.Get("/api/v1/emergency");  // a read: no token needed
  ASSERT_EQ(list["trips"].size(), 1u) << list.dump();
  Json trip = list["trips"][0];
  EXPECT_EQ(trip["dispatch"], 0);
  EXPECT_EQ(trip["vehicle"], dispatched["vehicle"]);
  EXPECT_EQ(trip["origin"], "E_C");
  EXPECT_EQ(trip["destination"], "C_W");
  EXPECT_EQ(trip["route"], Json::array({"E_C", "C_W"}));
  EXPECT_EQ(trip["arrived"], false);
  EXPECT_TRUE(trip["arrived_at_s"].is_null());
  EXPECT_NEAR(trip["free_flow_time_s"].get<double>(), dispatched["free_flow_time_s"].get<double>(), 0.05);
  EXPECT_TRUE(trip["position"]["x"].is_number());
  EXPECT_TRUE(trip["position"]["road"] == "E_C" || trip["position"]["road"] == "C_W") << trip.dump();
  EXPECT_TRUE(trip["held"].is_array());

  // It arrives (about 60 simulated s; 3 s of wall time at 20x).
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (trip["state"] != "arrived" && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
    list = r.Get("/api/v1/emergency");
    trip = list["trips"][0];
  }
  ASSERT_EQ(trip["state"], "arrived") << trip.dump();
  EXPECT_EQ(trip["arrived"], true);
  EXPECT_EQ(list["active"], 0);
  const double arrived_at = trip["arrived_at_s"].get<double>(), at = trip["dispatched_at_s"].get<double>();
  EXPECT_GT(arrived_at, at);
  EXPECT_NEAR(trip["travel_time_s"].get<double>(), arrived_at - at, 0.05);
  EXPECT_GE(trip["travel_time_s"].get<double>(), trip["free_flow_time_s"].get<double>() - 0.05);
  EXPECT_EQ(trip["route_index"], 1);
  EXPECT_EQ(trip["position"]["road"], "C_W");
  EXPECT_EQ(trip["held"], Json::array());
  EXPECT_GE(trip["preempted"].get<int>(), 1);
  r.EventsWith("emergency_arrived");

  // The newest `limit`; `dispatched` counts them all.
  res = r.Post("/api/v1/emergency", R"({"origin":"N_C","destination":"C_S"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  list = r.Get("/api/v1/emergency?limit=1");
  EXPECT_EQ(list["dispatched"], 2);
  ASSERT_EQ(list["trips"].size(), 1u);
  EXPECT_EQ(list["trips"][0]["dispatch"], 1);
  EXPECT_EQ(list["trips"][0]["origin"], "N_C");
  EXPECT_EQ(r.Get("/api/v1/emergency")["trips"].size(), 2u);

  ExpectJsonError(r.client->Get("/api/v1/emergency?limit=0"), 400, "limit");
  ExpectJsonError(r.client->Get("/api/v1/emergency?limit=1001"), 400, "1..1000");
  ExpectJsonError(r.client->Get("/api/v1/emergency?limit=two"), 400, "limit");
  EXPECT_NE(r.Get("/api/v1")["endpoints"].dump().find("GET /api/v1/emergency"), std::string::npos);
}

// "Acknowledged means stored": a 2xx control answer carries its event's id, and the
// event is in the store already (read right after, without waiting).
TEST(Service, EveryAcknowledgedControlRequestIsStoredBeforeItsAnswer) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  const std::vector<std::tuple<std::string, std::string, std::string>> requests = {
      {"/api/v1/controller", R"({"controller":"maxpressure"})", "controller_changed"},
      {"/api/v1/controller", R"({"controller":"fixed","intersection":"C"})", "controller_changed"},
      {"/api/v1/intersections/C/override", R"({"phase":2,"duration_s":60})", "override_requested"},
      {"/api/v1/intersections/C/override", R"({"release":true})", "override_released"},
      {"/api/v1/detections", R"({"intersection":"C","lanes":[{"lane":0,"count":3}]})", "detections"},
      {"/api/v1/emergency", R"({"origin":"E_C","destination":"C_W"})", "emergency_dispatched"},
      {"/api/v1/sim", R"({"speed":5})", "sim_control"},
  };
  std::vector<std::pair<long long, std::string>> acknowledged;
  for (const auto& [path, body, kind] : requests) {
    auto res = r.Post(path, body);
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << path << ": " << res->body;
    Json answer = Json::parse(res->body);
    ASSERT_TRUE(answer.contains("event_id") && answer["event_id"].is_number_integer()) << res->body;
    acknowledged.emplace_back(answer["event_id"].get<long long>(), kind);
  }
  Json events = r.Get("/api/v1/events?run=current")["events"];
  for (const auto& [id, kind] : acknowledged) {
    bool found = false;
    for (const Json& e : events) {
      if (e["id"] == id) {
        found = true;
        EXPECT_EQ(e["kind"], kind) << "event " << id;
      }
    }
    EXPECT_TRUE(found) << "acknowledged event " << id << " (" << kind << ") is not in " << events.dump();
  }
  // A refusal carries no event id.
  auto refused = r.Post("/api/v1/intersections/C/override", R"({"phase":0,"duration_s":30})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409);
  EXPECT_FALSE(Json::parse(refused->body).contains("event_id"));
}

TEST(Service, KpisAndEventsSurviveARestartAndExportAsCsv) {
  testing::TempDir dir;
  {
    Running first = Start(dir.path(), 0);
    EXPECT_EQ(first.service->run_id(), 1);
    first.StateWhen([](const Json& s) { return s["time_s"].get<double>() >= 200; });
    // Paused, so that the fixed plan's refused unsafe phase cannot flood the log at max speed.
    auto paused = first.Post("/api/v1/sim", R"({"action":"pause"})");
    ASSERT_TRUE(paused);
    ASSERT_EQ(paused->status, 200) << paused->body;
    ExpectJsonError(first.Post("/api/v1/sim", R"({"action":"pause"})", false), 401);
    first.EventsWith("auth_failure");
    first.service->Stop();
  }
  Running second = Start(dir.path(), 1);
  EXPECT_EQ(second.service->run_id(), 2);
  Json kpis = second.Get("/api/v1/kpis?run=1");
  ASSERT_GE(kpis["samples"].size(), 3u);
  EXPECT_EQ(kpis["samples"][0]["run_id"], 1);
  EXPECT_EQ(kpis["samples"][0]["time_s"], 60);
  Json events = second.Get("/api/v1/events?run=1&after_id=1&limit=100000")["events"];
  std::set<std::string> kinds;
  for (const Json& e : events) kinds.insert(e["kind"].get<std::string>());
  EXPECT_TRUE(kinds.count("service_started"));
  EXPECT_TRUE(kinds.count("auth_failure"));
  Json runs = second.Get("/api/v1/runs");
  EXPECT_EQ(runs["runs"].size(), 2u);
  EXPECT_EQ(runs["current"], 2);

  auto csv = second.client->Get("/api/v1/kpis?format=csv&run=1");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv");
  EXPECT_EQ(csv->body.rfind("run_id,time_s,wall_ms,controller,", 0), 0u) << csv->body.substr(0, 100);
  EXPECT_NE(csv->body.find("\n1,60,"), std::string::npos);
  auto events_csv = second.client->Get("/api/v1/events?format=csv");
  ASSERT_TRUE(events_csv);
  EXPECT_EQ(events_csv->body.rfind("id,run_id,time_s,wall_ms,kind,intersection,phase,source,detail\n", 0),
            0u);
  EXPECT_NE(events_csv->body.find(",auth_failure,"), std::string::npos);
}

TEST(Service, TheStreamFeedsTwoClientsAtOnce) {
  testing::TempDir dir;
  Running r = Start(dir.path(), 20);
  auto listen = [&](std::vector<double>* times) {
    httplib::Client c("127.0.0.1", r.service->port());
    c.set_read_timeout(10, 0);
    std::string buffer;
    auto res = c.Get("/api/v1/stream", [&](const char* data, std::size_t length) {
      buffer.append(data, length);
      std::size_t end;
      while ((end = buffer.find("\n\n")) != std::string::npos) {
        const std::string message = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        const std::size_t at = message.find("data: ");
        if (message.rfind("event: state", 0) == 0 && at != std::string::npos) {
          Json state = Json::parse(message.substr(at + 6), nullptr, false);
          if (state.is_object()) times->push_back(state["time_s"].get<double>());
        }
      }
      return times->size() < 5;  // then hang up
    });
    (void)res;
  };
  std::vector<double> a, b;
  std::thread ta(listen, &a), tb(listen, &b);
  ta.join();
  tb.join();
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  for (const auto* times : {&a, &b}) {
    for (std::size_t i = 1; i < times->size(); ++i) EXPECT_GT((*times)[i], (*times)[i - 1]);
  }
}

}  // namespace
}  // namespace cb::service
