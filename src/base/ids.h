// Strong, tagged index types.
//
// Every entity of the network and the simulation is addressed by a small index
// wrapped in its own type, so a LaneId can never be passed where a RoadId is
// expected. Conversion to and from the raw index is explicit.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>

namespace cb {

template <class Tag>
class StrongId {
 public:
  static constexpr uint32_t kInvalidValue = std::numeric_limits<uint32_t>::max();

  constexpr StrongId() = default;
  constexpr explicit StrongId(uint32_t value) : value_(value) {}
  constexpr explicit StrongId(std::size_t value) : value_(static_cast<uint32_t>(value)) {}
  constexpr explicit StrongId(int value) : value_(static_cast<uint32_t>(value)) {}

  constexpr uint32_t value() const { return value_; }
  constexpr std::size_t index() const { return value_; }
  constexpr bool valid() const { return value_ != kInvalidValue; }
  static constexpr StrongId Invalid() { return StrongId(); }

  friend constexpr bool operator==(StrongId a, StrongId b) { return a.value_ == b.value_; }
  friend constexpr auto operator<=>(StrongId a, StrongId b) { return a.value_ <=> b.value_; }

 private:
  uint32_t value_ = kInvalidValue;
};

struct IntersectionTag {};
struct RoadTag {};
struct LaneTag {};
struct RoadLinkTag {};
struct LaneLinkTag {};
struct FlowTag {};
struct VehicleTag {};

using IntersectionId = StrongId<IntersectionTag>;
using RoadId = StrongId<RoadTag>;
using LaneId = StrongId<LaneTag>;
using RoadLinkId = StrongId<RoadLinkTag>;  // a road-to-road movement at an intersection
using LaneLinkId = StrongId<LaneLinkTag>;  // a lane-to-lane path through an intersection
using FlowId = StrongId<FlowTag>;
using VehicleId = StrongId<VehicleTag>;

// Index of a phase in one intersection's phase list (0 = the clearance phase in
// the benchmark datasets).
using PhaseIndex = int;

}  // namespace cb

template <class Tag>
struct std::hash<cb::StrongId<Tag>> {
  std::size_t operator()(cb::StrongId<Tag> id) const noexcept { return std::hash<uint32_t>()(id.value()); }
};
