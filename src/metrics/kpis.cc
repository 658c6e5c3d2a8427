#include "metrics/kpis.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace cb::metrics {
namespace {

bool IsMultiple(double time_s, double interval_s, double step_s) {
  if (interval_s <= 0) return false;
  double k = std::round(time_s / interval_s);
  return k >= 1 && std::fabs(time_s - k * interval_s) < step_s * 0.5;
}

}  // namespace

const char* TravelTimeMetricName(TravelTimeMetric metric) {
  return metric == TravelTimeMetric::kTrip ? "trip" : "per_intersection";
}

KpiRecorder::KpiRecorder(const sim::Engine& engine, const KpiOptions& options)
    : engine_(engine), options_(options), last_passed_(engine.network().intersections().size(), 0) {
  if (options.travel_time == TravelTimeMetric::kPerIntersection) {
    per_intersection_ = std::make_unique<IntersectionTravelTime>(engine);
  }
}

KpiRecorder::~KpiRecorder() = default;

NetworkSample KpiRecorder::SampleNetwork() const {
  NetworkSample s;
  s.time_s = engine_.time_s();
  s.on_road = engine_.vehicles_running();
  s.waiting_to_enter = engine_.vehicles_waiting_to_enter();
  s.entered = engine_.vehicles_entered();
  s.finished = engine_.vehicles_finished();
  s.average_travel_time_s =
      per_intersection_ ? per_intersection_->Average(s.time_s) : engine_.AverageTravelTime();
  s.delay_index = engine_.DelayIndex();
  const roadnet::Network& net = engine_.network();
  for (std::size_t l = 0; l < net.lanes().size(); ++l)
    s.queued_on_lanes += engine_.LaneWaitingCount(LaneId(l));
  return s;
}

void KpiRecorder::AfterStep() {
  if (per_intersection_) per_intersection_->AfterStep();
  const double t = engine_.time_s();
  const double dt = engine_.options().step_s;
  if (served_ < 0 && IsMultiple(t, options_.delay_check_interval_s, dt)) {
    if (engine_.DelayIndex() > options_.delay_threshold) {
      served_ = engine_.vehicles_entered();
      exceeded_at_s_ = t;
    }
  }
  if (!IsMultiple(t, options_.sample_interval_s, dt)) return;
  network_.push_back(SampleNetwork());
  const roadnet::Network& net = engine_.network();
  std::vector<IntersectionSample> row(net.intersections().size());
  for (std::size_t i = 0; i < net.intersections().size(); ++i) {
    for (RoadId road : net.intersections()[i].incoming) {
      for (LaneId lane : net.road(road).lanes) row[i].queue += engine_.LaneWaitingCount(lane);
    }
    long long passed = engine_.IntersectionThroughput(IntersectionId(i));
    row[i].throughput = passed - last_passed_[i];
    last_passed_[i] = passed;
  }
  intersections_.push_back(std::move(row));
}

Summary KpiRecorder::Finish() const {
  Summary s;
  NetworkSample now = SampleNetwork();
  s.time_s = now.time_s;
  s.travel_time_metric = options_.travel_time;
  s.average_travel_time_s = now.average_travel_time_s;
  s.trip_average_travel_time_s = engine_.AverageTravelTime();
  s.delay_index = now.delay_index;
  s.average_time_loss_s = engine_.AverageTimeLoss();
  s.average_trip_duration_s = engine_.AverageTripDuration();
  s.vehicles_released = engine_.vehicles_released();
  s.vehicles_entered = now.entered;
  s.vehicles_finished = now.finished;
  s.vehicles_running = now.on_road;
  s.vehicles_waiting_to_enter = now.waiting_to_enter;
  s.queued_on_lanes = now.queued_on_lanes;
  double total = 0;
  for (const NetworkSample& x : network_) total += static_cast<double>(x.queued_on_lanes);
  s.mean_queued_on_lanes = network_.empty() ? 0 : total / static_cast<double>(network_.size());
  s.served_at_threshold = served_ >= 0 ? served_ : now.entered;
  s.delay_threshold_exceeded_at_s = exceeded_at_s_;
  return s;
}

void WriteSummaryJson(const Summary& s, nlohmann::ordered_json& out) {
  out["average_travel_time_s"] = s.average_travel_time_s;
  out["travel_time_metric"] = TravelTimeMetricName(s.travel_time_metric);
  if (s.travel_time_metric != TravelTimeMetric::kTrip) {
    out["trip_average_travel_time_s"] = s.trip_average_travel_time_s;
  }
  out["delay_index"] = s.delay_index;
  out["average_time_loss_s"] = s.average_time_loss_s;
  out["average_trip_duration_s"] = s.average_trip_duration_s;
  out["vehicles_released"] = s.vehicles_released;
  out["vehicles_entered"] = s.vehicles_entered;
  out["vehicles_running"] = s.vehicles_running;
  out["vehicles_waiting_to_enter"] = s.vehicles_waiting_to_enter;
  out["throughput"] = s.vehicles_finished;
  out["queued_on_lanes"] = s.queued_on_lanes;
  out["mean_queued_on_lanes"] = s.mean_queued_on_lanes;
  out["served_vehicles_delay_index_1_40"] = s.served_at_threshold;
  out["delay_index_exceeded_1_40_at_s"] = s.delay_threshold_exceeded_at_s;
}

}  // namespace cb::metrics
