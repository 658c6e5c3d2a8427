// `brain`: citybrain's own signal controller, in two layers.
//
// BrainRule ("brain-rule") decides every second at each signal alone, using only
// what the twin can see now: vehicles standing at the stop lines, vehicles moving
// towards them, and the room and queues on the roads they would enter.
//   1. Pressure of a phase: over its green protected movements, vehicles queued
//      at the stop line plus `arrival_weight` x vehicles moving within
//      `lookahead_s` of it, minus `downstream_weight` x the queue per lane on the
//      road it feeds; a movement into a road that is `full_ratio` occupied counts
//      for nothing (its vehicles could not leave).
//   2. The phase in force is kept while it still serves traffic (vehicles queued
//      or moving within `reach_s` of its stop lines) and no other phase's pressure
//      exceeds `keep_margin` x that served demand; otherwise the phase with the
//      largest pressure is requested. Asked every second, the margin keeps a signal
//      from paying a clearance for a passing imbalance; on a grid of decisions
//      more than a second apart the grid already bounds the switching, and
//      `grid_keep_margin` (if set) replaces it.
//
// BrainController ("brain") plans on copies of the twin (a rollout planner with
// the rule as its base policy). At every decision (every second unless the run
// sets --decision-interval), for every signal that
// may change (its minimum green served, no clearance, no hold), it simulates the
// whole network `horizon_s` ahead once as the baseline, and once per other phase
// with some demand, with that signal taking that phase for the interval; after the
// interval every signal follows the rule. In the baseline every signal takes its
// default for the interval: asked every second, its phase (the next second's plan
// looks again); on a coarser grid, the rule's choice, since a switch the rule
// would make now holds for the whole interval and keeping is one option among
// the others. The copies never
// read the flow file (sim::Engine::set_release_flows(false)): they run the
// vehicles already released, and as the demand to come, the releases of the last
// `forecast_s` seconds again (a persistence forecast, sim::Engine::ReleaseFromFlow),
// so the brain never sees the future of the flow file. Each signal takes the option that
// leaves the least free-flow time still to travel, summed over the horizon (a
// switch must do strictly better than keeping). All signals decide from the same
// state, as if at once. A signal whose best option is a switch then tries that
// switch again `delays_s` later (keeping its phase until then); if a later
// switch does better, it keeps its phase for now: switching is not just "now or
// when the rule would". On a grid the delays round up to the next decisions
// (delays of 1-10 s on a 30 s grid: one option, "switch at the next decision"). Rollouts run on the run's
// worker threads; results do not depend on the thread count. When the first options of one round (keep, and
// every switch now) would cost more than `max_plan_updates_per_s` vehicle-updates per simulated second (a
// large city), the brain runs the rule alone at every signal for that round.
// The later switches add up to `delays_s.size()` rollouts per switching signal
// (on the Hangzhou and Jinan flows they about double the cost of a round).
// Everything else (minimum green, clearance, conflicts) is the safety layer's,
// in the copies as in the twin.
//
// What the copies know of the routes (BrainParams::routes, --brain-routes):
//   - kTrue: every vehicle's true remaining route, and the replayed vehicles drive
//     their flows' routes. No real city knows these; a study's best case.
//   - kObserved: only what detectors give. Once per plan (not per option) a base
//     copy is made in which every vehicle keeps the road it is on and the movement
//     its lane (or the lane link it is on) commits it to, and then drives turns
//     drawn from the turning shares counted at each intersection over the last
//     `shares.window_s` seconds (turning_shares.h); the replayed vehicles enter on
//     their flows' first roads and drive drawn routes too. Every option starts
//     from that base copy, so all options of a plan face the same draws.

#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/executor.h"
#include "base/ranks.h"
#include "control/turning_shares.h"
#include "signal/controller.h"

namespace cb::run {
class SignalledTwin;
}  // namespace cb::run

namespace cb::control {

struct BrainRuleParams {
  double reach_s = 5.0;            // "still serving": moving vehicles this close (in seconds at the limit)
  double lookahead_s = 15.0;       // arrivals counted in a phase's pressure
  double arrival_weight = 0.75;    // an arriving vehicle relative to a queued one
  double downstream_weight = 0.5;  // the queue per lane on the road a movement feeds
  double keep_margin = 5.0;        // another phase must exceed the served demand this many times
  // The margin when decisions are more than a second apart (a grid, where every
  // switch holds for a whole interval); 0: keep_margin.
  double grid_keep_margin = 0;
  double full_ratio = 0.8;  // a road this occupied accepts nobody
};

class BrainRule : public signal::Controller {
 public:
  explicit BrainRule(BrainRuleParams params = {}) : params_(params) {}
  std::string name() const override { return "brain-rule"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // Reads the intersection's lanes; Pressure() then scores its phases.
  void Observe(const signal::Observation& obs, IntersectionId intersection);
  double Pressure(const roadnet::Intersection& intersection, PhaseIndex phase) const;

 private:
  struct MovementState {
    double queued = 0;      // standing within reach of its stop lines
    double reaching = 0;    // moving, within reach_s of the stop line
    double arriving = 0;    // moving, within lookahead_s
    double downstream = 0;  // queued on the road it feeds, per lane
    bool blocked = false;   // the road it feeds is full
  };
  double Served(const roadnet::Intersection& intersection, PhaseIndex phase) const;
  BrainRuleParams params_;
  std::vector<MovementState> movements_;  // by road link index in the intersection
};

struct BrainParams {
  // The base policy of the rollouts (and the fallback): keeps a green while it
  // serves traffic unless another phase is far more loaded.
  BrainRuleParams rule = [] {
    BrainRuleParams r;
    r.keep_margin = 10.0;
    r.grid_keep_margin = 3.0;
    return r;
  }();
  double horizon_s = 120.0;  // how far each option is simulated
  // A switch that wins is tried again this many seconds later; if any of these
  // later switches does better, the signal keeps its phase for now.
  std::vector<double> delays_s = {1, 2, 3, 4, 5, 6, 8, 10};
  // Arrivals in the copies: the vehicles released in the last `forecast_s`
  // seconds are released again, on the same flows, `forecast_s` later (and so on
  // over the horizon). 0: the copies run only the vehicles already released.
  double forecast_s = 120.0;
  // Compute budget: above it the city-scale plan (below) is tried, and above its
  // budget too the rule alone decides (see the header comment).
  double max_plan_updates_per_s = 2e7;
  // City scale (docs/controllers.md, "City scale"): when a round of whole-city
  // options is over the budget, each eligible signal tries its rule's best
  // alternative phase, many signals at once (those `2 * neighbourhood_hops` or more
  // intersections apart share a rollout), each judged by the time still to travel
  // within `neighbourhood_hops` of it, over `local_horizon_s`. Within
  // `max_local_updates_per_s` (vehicle-updates per simulated second); 0 (the default
  // for now; `citybrain run --brain-city-scale` sets 5e6) turns it off.
  int neighbourhood_hops = 1;
  double local_horizon_s = 60.0;
  double max_local_updates_per_s = 0;
  // A measurement, for networks small enough (--brain-check-city-scale): every
  // round is planned at city scale whatever the budgets, and for each signal it
  // judges, the whole-city rollout of its alternative alone (over the same local
  // horizon) is run too; check_compared/check_agreed count how often the two
  // verdicts (switch or keep) agree. The plans stay the city-scale ones.
  bool check_city_scale = false;
  // What the copies know of the routes (see the header comment), and how the
  // turning shares of kObserved are measured.
  RouteKnowledge routes = RouteKnowledge::kTrue;
  TurningSharesOptions shares;
};

class BrainController : public signal::Controller {
 public:
  // With `ranks` (not owned) of more than one MPI rank, rank 0's brain runs the
  // real twin and spreads the rollouts of each round over every rank; the other
  // ranks call ServeRollouts instead of running the twin. Results do not depend on
  // the number of ranks.
  explicit BrainController(BrainParams params = {}, Ranks* ranks = nullptr);
  ~BrainController() override;
  std::string name() const override { return "brain"; }
  PhaseIndex Decide(const signal::Observation& obs, IntersectionId intersection,
                    const signal::SignalStatus& status) override;

  // Plans made and rounds in which the budget left the rule alone, for reports.
  long long rounds_planned() const { return rounds_planned_; }
  long long rounds_over_budget() const { return rounds_over_budget_; }
  // Rounds planned at city scale (a subset of rounds_planned).
  long long rounds_local() const { return rounds_local_; }
  // check_city_scale: signals judged, those whose local and whole-city verdicts were
  // both informative (the two costs differ from keeping), and of them those that agree.
  long long check_judged() const { return check_judged_; }
  long long check_compared() const { return check_compared_; }
  long long check_agreed() const { return check_agreed_; }
  // kObserved, summed over the plans: vehicles given drawn routes, and vehicles
  // whose drawn route could not be driven whole from their lane (cut short, or
  // their true path kept when not even its first road could be: expected 0).
  long long vehicles_rerouted() const { return vehicles_rerouted_; }
  long long reroutes_failed() const { return reroutes_failed_; }
  const BrainParams& params() const { return params_; }

  // MPI, on ranks other than 0: runs this rank's share of every batch of rollouts
  // rank 0 sends, starting its copies from `signals` and its `engine` (this rank's
  // twin of the same files, into which each round's state is loaded), until rank
  // 0 calls ReleaseRanks. Internal when a message is not what rank 0 sends.
  Status ServeRollouts(sim::Engine& engine, signal::SignalManager& signals);
  // MPI, on rank 0: tells the other ranks that the run is over (once; also done
  // by the destructor).
  void ReleaseRanks();
  // MPI: bytes sent between ranks (both ways, over all rounds), and batches sent.
  long long rank_bytes() const { return rank_bytes_; }
  long long rank_batches() const { return rank_batches_; }
  // Vehicle-updates made in rollouts (on every rank), over the run: the planning's cost.
  long long rollout_updates() const { return rollout_updates_; }
  long long rollouts() const { return rollouts_; }

 private:
  class RolloutPolicy;
  struct Worker;
  struct Option {
    IntersectionId intersection;  // invalid: the baseline (every signal takes its default)
    PhaseIndex phase = -1;
    double delay_s = 0;  // the signal keeps its phase this long before switching
    double cost = 0;
  };
  void Plan(const signal::Observation& obs, const signal::LookaheadModel& model, double time_s,
            double interval_s);
  void Forecast(const sim::Engine& engine, double time_s);
  // A signal's phase in the baseline: asked every second, its phase (the next
  // second's plan looks again); on a coarser grid, the rule's choice.
  PhaseIndex DefaultPhase(const signal::Observation& obs, const signal::SignalManager& signals,
                          IntersectionId id, double time_s, double interval_s);
  // kObserved: the base copy of `model` with drawn routes, which the options start from.
  void DrawRoutes(const signal::LookaheadModel& model);
  // kObserved: a drawn route (into arrival_roads_) and entry lane for each arrival.
  void DrawArrivalRoutes(const sim::Engine& engine);
  // Runs options [first, end) from copies of `model` on `threads` workers.
  void RunOptions(const signal::LookaheadModel& model, int threads, double time_s, double interval_s,
                  std::size_t first);
  // One rollout; its cost is the time still to travel summed over the horizon. With
  // `overrides` (city scale) the local horizon, and the cost by drivable in the
  // worker's `by_drivable` (the result is then 0).
  double Rollout(Worker& worker, const signal::LookaheadModel& model, const Option& option, double time_s,
                 double interval_s, double horizon_s,
                 const std::vector<PhaseIndex>* overrides = nullptr) const;
  // City scale: false when even that is over its budget.
  bool PlanLocal(const signal::Observation& obs, const signal::LookaheadModel& model, double time_s,
                 double interval_s);
  // Neighbourhoods (drivables within neighbourhood_hops) and colours of the signals, once.
  void BuildNeighbourhoods(const sim::Engine& engine);
  // Runs `overrides_[first..)` as rollouts: each fills its row of `region_cost_`
  // for the signals it moves (the baseline, row 0: every eligible signal).
  void RunLocal(const signal::LookaheadModel& model, int threads, double time_s, double interval_s);
  // Calls rollout(worker, k) for k in [first, end) on `threads` workers, rollout
  // first + j on worker j % threads.
  template <class F>
  void ForEachRollout(int threads, std::size_t first, std::size_t end, F&& rollout);

  // MPI: a batch is rollouts [first, end) of `options_` (kOptions) or of
  // `overrides_` (kLocal); rollout first + k runs on rank k % ranks.
  // kCheck: options_ as whole-city rollouts over the local horizon (check_city_scale).
  enum class Batch : uint8_t { kStop = 0, kOptions = 1, kLocal = 2, kCheck = 3 };
  // check_city_scale: the whole-city rollouts of the judged signals' `alternative`s.
  void CheckCityScale(const signal::LookaheadModel& model, int threads, double time_s, double interval_s,
                      const std::vector<PhaseIndex>& alternative);
  // Runs a batch here alone, or (rank 0 of several) sends it, runs rank 0's share
  // and collects the others'.
  void RunBatch(Batch kind, const signal::LookaheadModel& model, int threads, double time_s,
                double interval_s, std::size_t first, std::size_t end);
  // Runs rollout k of a batch on `worker`, keeping its result in options_ / region_cost_.
  void RunOne(Batch kind, Worker& worker, const signal::LookaheadModel& model, double time_s,
              double interval_s, std::size_t k);
  // This rank's share of a batch: the rollouts it runs, on its threads; returns the
  // vehicle-updates they made.
  long long RunShare(Batch kind, const signal::LookaheadModel& model, int threads, double time_s,
                     double interval_s, std::size_t first, std::size_t end, int rank, int ranks);
  // The results of rollouts first + rank, first + rank + ranks, ... as bytes, and back.
  // (The rank's vehicle-updates follow its results.)
  std::string PackResults(Batch kind, std::size_t first, std::size_t end, int rank, int ranks,
                          long long updates) const;
  Status UnpackResults(Batch kind, std::size_t first, std::size_t end, int rank, int ranks,
                       const std::string& bytes, long long* updates);

  BrainParams params_;
  BrainRule rule_;
  double planned_at_s_ = -1;
  std::vector<PhaseIndex> plan_;  // by intersection; -1: not planned (the rule decides)
  std::vector<Option> options_;
  std::vector<IntersectionId> eligible_;
  std::vector<PhaseIndex> default_;   // by intersection: its phase in the baseline; -1: not eligible
  std::vector<double> best_cost_;     // by intersection, during Plan
  std::vector<uint8_t> informative_;  // by intersection: some option's cost differs from keeping
  // The forecast: (release time, flow) of the recent releases, and the arrivals
  // every rollout of the current plan adds (seconds after the plan, flow).
  struct Release {
    double released_s;
    int flow;
    uint32_t vehicle;      // the replayed vehicle's id: the key of its drawn routes
    uint32_t entry_index;  // releases on its flow's first road before it
  };
  struct Arrival {
    double at_s;  // seconds after the plan
    int flow;
    uint64_t key;              // kObserved: the key of its draws
    double first_u = -1;       // kObserved: the number its first movement is drawn with
    uint32_t route_begin = 0;  // kObserved: its drawn route in arrival_roads_
    uint32_t route_length = 0;
    LaneId first_lane;
  };
  std::vector<Release> recent_;
  long long releases_seen_ = 0;
  std::vector<uint32_t> entries_;  // by road: releases on it so far
  std::vector<Arrival> arrivals_;
  std::vector<RoadId> arrival_roads_;
  // kObserved: the measured turning shares, the base copy of each plan, and scratch.
  std::unique_ptr<TurningShares> shares_;
  std::unique_ptr<run::SignalledTwin> base_;
  std::vector<RoadId> route_;
  long long first_unfinished_ = 0;  // every vehicle below it has finished
  long long vehicles_rerouted_ = 0, reroutes_failed_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Executor> executor_;
  std::vector<std::size_t> worker_cuts_;  // block w = worker w
  long long rounds_planned_ = 0, rounds_over_budget_ = 0, rounds_local_ = 0;
  long long check_judged_ = 0, check_compared_ = 0, check_agreed_ = 0;
  // MPI: the ranks, the state last sent (its plan's time and model), traffic.
  Ranks* ranks_ = nullptr;
  bool released_ = false;
  double sent_state_at_s_ = -1;
  const signal::LookaheadModel* sent_state_of_ = nullptr;
  long long rank_bytes_ = 0, rank_batches_ = 0, rollout_updates_ = 0, rollouts_ = 0;
  // City scale: by intersection, its neighbourhood's drivables and its colour (-1:
  // not signalised); per rollout of a round, the phase each intersection takes for
  // the interval (-1: its default) and the signals it judges.
  std::vector<std::vector<uint32_t>> neighbourhood_;
  std::vector<int> colour_;
  int colours_ = 0;
  std::vector<std::vector<PhaseIndex>> overrides_;
  std::vector<std::vector<IntersectionId>> judged_;
  std::vector<std::vector<double>> region_cost_;  // by rollout, by intersection
};

}  // namespace cb::control
