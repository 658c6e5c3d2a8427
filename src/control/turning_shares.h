// Turning shares: how the traffic arriving on each road splits over the movements
// it may take at the next intersection, as counting detectors measure it.
//
// A real city does not know where each vehicle is going. What it can count is how
// many vehicles crossed each stop line into each movement (Observation::
// MovementThroughput). TurningShares keeps snapshots of those counters over a
// sliding window (600 s by default) and gives, per intersection and incoming road,
// the share of each outgoing movement measured over it.
//
// Trips also end inside the network (a destination on the road, or a dead end whose
// only movement is a U-turn nobody takes). The counters show it as a balance: the
// vehicles that went into a road, less those that left it by a movement, less the
// growth of the vehicles on its lanes (Observation::LaneVehicles), ended there. Each
// road's end share is that balance over what went in (0 on roads nothing goes into,
// such as entry roads, whose vehicles came from outside).
//
// When nothing was counted leaving a road, its movements share equally, except
// U-turns (nobody was seen to make them); a road with only U-turns ends the trip.
// From the shares it draws routes: road after road, at each road the trip ends with
// the road's end share, else takes a movement by its share; it ends on a road
// without movements (the network's edge) or after `max_route_roads` roads.
//
// The brain's look-ahead copies use it in RouteKnowledge::kObserved mode (brain.h):
// every vehicle keeps the road it is on and the movement its lane commits it to,
// and drives drawn turns after that.
//
// Determinism: a draw is a pure function of (seed, key, road, place in the route)
// and of the counters sampled, so it is the same for any thread count and in every
// run with the same seed. Thread-safety: Observe changes the object; the const
// methods may be called from several threads at once between two Observe calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "roadnet/network.h"
#include "signal/observation.h"

namespace cb::control {

// What the brain's look-ahead copies know of the vehicles' routes (--brain-routes).
enum class RouteKnowledge {
  kTrue,      // "true": every vehicle's true remaining route (no real city knows them)
  kObserved,  // "observed": the road it is on, the movement its lane commits it to, then drawn turns
};
// "true" or "observed"; InvalidInput naming both otherwise.
Result<RouteKnowledge> ParseRouteKnowledge(const std::string& name);
const char* RouteKnowledgeName(RouteKnowledge knowledge);

struct TurningSharesOptions {
  double window_s = 600;       // the shares are counted over this many past seconds
  double sample_every_s = 10;  // the window moves in steps of this many seconds
  int max_route_roads = 20;    // a drawn route has at most this many roads (so that it ends)
};

class TurningShares {
 public:
  // `network` must outlive the object.
  explicit TurningShares(const roadnet::Network& network, TurningSharesOptions options = {});

  // Reads the movement counters at `obs.time_s()`. The first call starts the
  // window; later calls keep a snapshot every `sample_every_s` seconds. Call it at
  // every plan (between snapshots it only reads the counters).
  void Observe(const signal::Observation& obs);

  // Vehicles counted on movement `link` over the window (since the first Observe
  // while the window is not yet full).
  long long Counted(RoadLinkId link) const;
  // The share of movement `link` among the movements from its incoming road:
  // counted / counted over all of them; when none was counted, equal shares among
  // the movements other than U-turns (0 for a U-turn then, unless it is the only
  // movement of the road).
  double Share(RoadLinkId link) const;
  // The share of the vehicles that went into `road` over the window whose trips
  // ended on it (see the header comment), in [0, 1].
  double EndShare(RoadId road) const { return end_share_[road.index()]; }

  // The movements from `road` at the intersection it leads to (empty at the
  // network's edge), and those served by `lane`'s lane links.
  const std::vector<RoadLinkId>& RoadMovements(RoadId road) const { return road_movements_[road.index()]; }
  const std::vector<RoadLinkId>& LaneMovements(LaneId lane) const { return lane_movements_[lane.index()]; }

  // Replaces `route` with a drawn route from `road`: `road`, then at each
  // intersection a movement drawn by its share among the movements of the road
  // arrived on. The first movement is drawn among those `lane`'s lane links serve
  // (one, when the lane commits the vehicle to it) when `lane` is valid and serves
  // any. Draws use (seed, key, road); `key` tells vehicles apart (e.g. the vehicle
  // id). `first_u` in [0, 1), when given, is the number the first movement is drawn
  // with instead (a caller that spreads the draws of many vehicles evenly).
  void DrawRoute(RoadId road, LaneId lane, uint64_t seed, uint64_t key, std::vector<RoadId>* route,
                 double first_u = -1) const;

  // Whether `link` turns back onto the road it came from.
  bool IsUTurn(RoadLinkId link) const { return u_turn_[link.index()] != 0; }

  // A uniform draw in [0, 1) from (seed, key, salt): the same arguments give the
  // same number.
  static double Uniform(uint64_t seed, uint64_t key, uint64_t salt);

  const TurningSharesOptions& options() const { return options_; }

 private:
  // The movement drawn among `movements` with uniform `u`, by their window counts.
  RoadLinkId Draw(const std::vector<RoadLinkId>& movements, double u) const;

  const roadnet::Network& network_;
  TurningSharesOptions options_;
  std::vector<std::vector<RoadLinkId>> road_movements_;  // by road
  std::vector<std::vector<RoadLinkId>> lane_movements_;  // by lane
  std::vector<std::vector<RoadLinkId>> road_entries_;    // by road: the movements into it
  std::vector<uint8_t> u_turn_;                          // by road link
  // Snapshots of the counters (by road link, then the vehicles on each road's
  // lanes), oldest first in ring order from `oldest_`; `counted_` = the latest
  // counters minus the window's start.
  std::vector<std::vector<long long>> snapshots_;
  std::vector<double> snapshot_s_;
  std::size_t oldest_ = 0, count_ = 0;
  std::vector<long long> latest_;
  std::vector<long long> counted_;  // by road link
  std::vector<double> end_share_;   // by road
  bool started_ = false;
};

}  // namespace cb::control
