// KPIs of a run, network-wide and per intersection, as time series.
//
// Definitions (PRODUCT.md): average travel time counts every released vehicle
// (finished ones with their trip time, the rest with time so far, from the time
// they were due); the delay index averages (time so far + free-flow time of the
// rest of the route) / free-flow time of the whole route; throughput counts
// finished trips; a queued vehicle is one on a lane slower than 0.1 m/s; served
// vehicles are those that entered before the delay index, evaluated every
// `delay_check_interval_s`, first exceeded `delay_threshold`.
// Not thread-safe; call between engine steps. WriteSummaryJson is a pure function.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "metrics/intersection_travel.h"
#include "sim/engine.h"

namespace cb::metrics {

// A vehicle on a lane slower than this is queued (PRODUCT.md: "queue: vehicles with
// speed below 0.1 m/s"). Every queue count says so: KpiRecorder through
// sim::Engine::LaneWaitingCount, the service's live lane queues, the EV's stops.
inline constexpr double kQueueSpeedMps = 0.1;

// Which travel time is `average_travel_time_s`: CityFlow's trip time (PRODUCT.md,
// the default), or the published protocol's per-intersection time
// (metrics::IntersectionTravelTime).
enum class TravelTimeMetric { kTrip, kPerIntersection };
// "trip", "per_intersection": the names in JSON and reports.
const char* TravelTimeMetricName(TravelTimeMetric metric);

struct KpiOptions {
  TravelTimeMetric travel_time = TravelTimeMetric::kTrip;
  double sample_interval_s = 60;
  double delay_check_interval_s = 200;
  double delay_threshold = 1.40;
};

struct NetworkSample {
  double time_s = 0;
  long long on_road = 0;
  long long waiting_to_enter = 0;
  long long entered = 0;
  long long finished = 0;
  double average_travel_time_s = 0;
  double delay_index = 1;
  long long queued_on_lanes = 0;
};

struct IntersectionSample {
  long long queue = 0;       // queued vehicles on its incoming lanes
  long long throughput = 0;  // vehicles that crossed it since the previous sample
};

struct Summary {
  double time_s = 0;
  TravelTimeMetric travel_time_metric = TravelTimeMetric::kTrip;
  double average_travel_time_s = 0;       // by travel_time_metric
  double trip_average_travel_time_s = 0;  // CityFlow's, whatever the metric
  double delay_index = 1;
  double average_time_loss_s = 0;  // finished trips: duration - free-flow time (sim::Engine::AverageTimeLoss)
  double average_trip_duration_s =
      0;  // SUMO's: entered vehicles, from entering (sim::Engine::AverageTripDuration)
  long long vehicles_released = 0;
  long long vehicles_entered = 0;
  long long vehicles_finished = 0;
  long long vehicles_running = 0;
  long long vehicles_waiting_to_enter = 0;
  long long queued_on_lanes = 0;
  double mean_queued_on_lanes = 0;  // over samples
  long long served_at_threshold = 0;
  double delay_threshold_exceeded_at_s = -1;  // -1: never
};

// Adds the KPIs of `summary` to the JSON object `out`, one key per KPI, in this
// order (the same keys in every command's and the service's JSON):
//   average_travel_time_s             s; every released vehicle (see above), or the
//                                     per-intersection metric (travel_time_metric)
//   travel_time_metric                "trip" or "per_intersection"
//   trip_average_travel_time_s        CityFlow's, only with the per-intersection metric
//   delay_index                       >= 1
//   average_time_loss_s               s; SUMO's time loss of the finished trips
//   average_trip_duration_s           s; SUMO's trip duration, from entering (no entry wait)
//   vehicles_released                 due so far (entered + waiting to enter + finished ones)
//   vehicles_entered                  entered the network
//   vehicles_running                  on the road now
//   vehicles_waiting_to_enter         due but not yet in (their first lane is full)
//   throughput                        finished trips (Summary::vehicles_finished)
//   queued_on_lanes                   queued vehicles now (kQueueSpeedMps)
//   mean_queued_on_lanes              queued vehicles, mean over the samples
//   served_vehicles_delay_index_1_40  entered before the delay index first exceeded
//                                     the threshold (all entered ones when it never did)
//   delay_index_exceeded_1_40_at_s    when it did; -1: never
// Precondition: `out` is an object or null (null becomes an object).
void WriteSummaryJson(const Summary& summary, nlohmann::ordered_json& out);

class KpiRecorder {
 public:
  KpiRecorder(const sim::Engine& engine, const KpiOptions& options = {});
  ~KpiRecorder();

  // Call after every engine step.
  void AfterStep();
  Summary Finish() const;

  const std::vector<NetworkSample>& network_series() const { return network_; }
  // intersection_series()[k][i]: sample k, intersection i.
  const std::vector<std::vector<IntersectionSample>>& intersection_series() const { return intersections_; }

 private:
  NetworkSample SampleNetwork() const;

  const sim::Engine& engine_;
  KpiOptions options_;
  std::vector<NetworkSample> network_;
  std::vector<std::vector<IntersectionSample>> intersections_;
  std::vector<long long> last_passed_;
  std::unique_ptr<IntersectionTravelTime> per_intersection_;  // with kPerIntersection
  long long served_ = -1;
  double exceeded_at_s_ = -1;
};

}  // namespace cb::metrics
