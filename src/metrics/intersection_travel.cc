#include "metrics/intersection_travel.h"

#include <limits>

namespace cb::metrics {
namespace {
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
}  // namespace

IntersectionTravelTime::IntersectionTravelTime(const sim::Engine& engine) : engine_(engine) {
  const roadnet::Network& net = engine.network();
  lane_enters_.assign(net.lanes().size(), kNone);
  for (std::size_t l = 0; l < net.lanes().size(); ++l) {
    const IntersectionId to = net.road(net.lanes()[l].road).to;
    if (!net.intersection(to).is_virtual) lane_enters_[l] = to.value();
  }
}

void IntersectionTravelTime::AfterStep() {
  const double now = engine_.time_s();
  ++stamp_;
  next_present_.clear();
  for (const sim::VehicleView& v : engine_.RunningVehicles()) {
    if (v.on_lane_link) continue;
    const uint32_t inter = lane_enters_[v.drivable];
    if (inter == kNone) continue;
    const std::size_t k = v.id.index();
    if (k >= at_.size()) {
      at_.resize(k + 1, kNone);
      visits_.resize(k + 1);
      seen_stamp_.resize(k + 1, 0);
    }
    seen_stamp_[k] = stamp_;
    next_present_.push_back(static_cast<uint32_t>(k));
    if (at_[k] == inter) continue;
    if (at_[k] != kNone) {
      // Straight from one intersection's entering lane to another's: left the first.
      for (Visit& visit : visits_[k]) {
        if (visit.intersection == at_[k]) visit.leave_s = now;
      }
    }
    at_[k] = inter;
    bool known = false;
    for (const Visit& visit : visits_[k]) known = known || visit.intersection == inter;
    if (!known) {
      if (visits_[k].empty()) ++vehicles_;
      visits_[k].push_back({inter, now, -1});
    }
  }
  // Gone from every entering lane since the previous step.
  for (uint32_t k : present_) {
    if (seen_stamp_[k] == stamp_ || at_[k] == kNone) continue;
    for (Visit& visit : visits_[k]) {
      if (visit.intersection == at_[k]) visit.leave_s = now;
    }
    at_[k] = kNone;
  }
  present_.swap(next_present_);
}

double IntersectionTravelTime::Average(double end_s) const {
  if (vehicles_ == 0) return 0;
  double total = 0;
  for (const std::vector<Visit>& visits : visits_) {
    for (const Visit& visit : visits) total += (visit.leave_s >= 0 ? visit.leave_s : end_s) - visit.enter_s;
  }
  return total / static_cast<double>(vehicles_);
}

}  // namespace cb::metrics
