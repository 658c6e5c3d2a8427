// Property tests: no controller can get past the safety layer (SignalManager).
//
// Every run drives a SignalManager with an adversarial controller and, after
// every BeforeStep(), an independent checker written here (not the manager's own
// monitor) reads the phase each signal shows and checks:
//   (a) no shown phase gives protected green to two conflicting movements, under a
//       conflict relation computed here from the network (ChordConflicts), not
//       by signal::ConflictTable;
//   (b) every change of green passes through the clearance phase for clearance_s;
//   (c) every green lasts at least min_green_s and, when set, at most max_green_s;
//   (d) every request for an unknown or unsafe phase is refused, and one that
//       comes before min green is delayed, each counted and logged.
// Controllers: random ints (valid, clearance, out of range, negative, extremes),
// a flip-flopper (a different phase every second), one that always asks for an
// unsafe phase, one that always asks for the clearance phase; plus operator and
// emergency holds. Networks: every bundled one, and the tiny cross and Hangzhou
// with an added unsafe control phase. CheckerSelfTest shows that the checker
// reports each kind of violation.
//
// Three bugs this suite found in SignalManager (green clock without clearance,
// stale delayed requests, max green forcing an unsafe phase) have regression
// tests below (ZeroClearance..., MaxGreenHolds..., MaxGreenNeverForces...).
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "control/registry.h"
#include "demand/cityflow_flow.h"
#include "demand/scenario.h"
#include "roadnet/cityflow_roadnet.h"
#include "signal/conflicts.h"
#include "signal/signal_manager.h"
#include "testing/tiny_network.h"

namespace cb::signal {
namespace {

const std::string kData = CB_DATA_DIR;

// ---------------------------------------------------------------------------
// An independent conflict relation, by topology rather than by path geometry
// (signal::ConflictTable intersects the movements' paths). Around the centre of
// an intersection, each movement enters at one point (where its lane links start)
// and leaves at another (where they end); seen from above, a movement is the
// chord between the angles of these two points on a circle around the centre.
// Two movements from different approaches conflict when they end on the same
// road (they merge) or when their chords cross (their end points interleave
// around the circle). Movements from one approach diverge and never conflict.
// Right turns are permissive (they yield to everything) and never protected.
class ChordConflicts {
 public:
  explicit ChordConflicts(const roadnet::Network& net) : net_(net) {
    approach_.assign(net.road_links().size(), 0);
    exit_.assign(net.road_links().size(), 0);
    for (const roadnet::Intersection& inter : net.intersections()) {
      if (inter.road_links.empty()) continue;
      std::vector<Point> from, to;
      Point centre{0, 0};
      for (RoadLinkId id : inter.road_links) {
        Point a{0, 0}, b{0, 0};
        const roadnet::RoadLink& link = net.road_link(id);
        for (LaneLinkId ll : link.lane_links) {
          a = a + net.lane_link(ll).points.front();
          b = b + net.lane_link(ll).points.back();
        }
        from.push_back(a * (1.0 / link.lane_links.size()));
        to.push_back(b * (1.0 / link.lane_links.size()));
        centre = centre + from.back() + to.back();
      }
      centre = centre * (0.5 / inter.road_links.size());
      for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
        approach_[inter.road_links[k].index()] = Bearing(centre, from[k]);
        exit_[inter.road_links[k].index()] = Bearing(centre, to[k]);
      }
    }
    safe_.resize(net.intersections().size());
    for (std::size_t i = 0; i < net.intersections().size(); ++i) {
      for (const roadnet::Phase& phase : net.intersections()[i].phases) {
        safe_[i].push_back(GreensSafe(IntersectionId(i), phase.green) ? 1 : 0);
      }
    }
  }

  bool Protected(RoadLinkId link) const { return net_.road_link(link).turn != roadnet::TurnType::kRight; }

  bool Conflict(RoadLinkId a, RoadLinkId b) const {
    const roadnet::RoadLink& la = net_.road_link(a);
    const roadnet::RoadLink& lb = net_.road_link(b);
    if (la.from == lb.from) return false;
    if (la.to == lb.to) return true;
    const double a1 = approach_[a.index()], a2 = exit_[a.index()];
    return OnArc(a1, a2, approach_[b.index()]) != OnArc(a1, a2, exit_[b.index()]);
  }

  // Whether `green` (by road link of `id`) greens no two conflicting protected movements.
  bool GreensSafe(IntersectionId id, const std::vector<bool>& green) const {
    const std::vector<RoadLinkId>& links = net_.intersection(id).road_links;
    for (std::size_t x = 0; x < links.size(); ++x) {
      if (!green[x] || !Protected(links[x])) continue;
      for (std::size_t y = x + 1; y < links.size(); ++y) {
        if (green[y] && Protected(links[y]) && Conflict(links[x], links[y])) return false;
      }
    }
    return true;
  }

  bool PhaseSafe(IntersectionId id, PhaseIndex phase) const {
    const std::vector<uint8_t>& s = safe_[id.index()];
    return phase >= 0 && static_cast<std::size_t>(phase) < s.size() && s[phase] != 0;
  }

 private:
  static double Bearing(Point from, Point to) { return std::atan2(to.y - from.y, to.x - from.x); }
  // Whether x lies strictly inside the counterclockwise arc from `from` to `to`.
  static bool OnArc(double from, double to, double x) {
    auto norm = [](double a) {
      a = std::fmod(a, 2 * std::numbers::pi);
      return a < 0 ? a + 2 * std::numbers::pi : a;
    };
    const double dx = norm(x - from);
    return dx > 0 && dx < norm(to - from);
  }
  const roadnet::Network& net_;
  std::vector<double> approach_, exit_;     // by road link: angles on the circle
  std::vector<std::vector<uint8_t>> safe_;  // by intersection, by phase
};

// ---------------------------------------------------------------------------
// The independent checker of shown phases.

// In steps; every run here uses the engine's default step of 1 s.
struct Limits {
  int clearance_steps = 0;
  int min_green_steps = 0;
  int max_green_steps = 0;  // 0: no limit
};

Limits LimitsOf(const SignalOptions& o) {
  return {static_cast<int>(std::lround(o.clearance_s.value_or(5))),
          static_cast<int>(std::lround(o.min_green_s.value_or(10))),
          static_cast<int>(std::lround(o.max_green_s))};
}

class SequenceChecker {
 public:
  SequenceChecker(const roadnet::Network& net, const ChordConflicts& conflicts, Limits limits)
      : net_(net),
        conflicts_(conflicts),
        limits_(limits),
        tracks_(net.intersections().size()),
        runs_(net.intersections().size()) {}

  // What signal `id` shows during step `step`. Steps of one signal must be consecutive.
  void Observe(IntersectionId id, long long step, PhaseIndex shown) {
    const roadnet::Intersection& inter = net_.intersection(id);
    Track& t = tracks_[id.index()];
    if (t.last >= 0 && step != t.last + 1) Violation(id, step, "observations are not consecutive");
    t.last = step;
    const bool is_clearance = shown == inter.clearance_phase;
    if (!is_clearance && std::find(inter.control_phases.begin(), inter.control_phases.end(), shown) ==
                             inter.control_phases.end()) {
      Violation(id, step,
                "shows phase " + std::to_string(shown) + ", neither a control phase nor the clearance");
    }
    if (!conflicts_.PhaseSafe(id, shown)) {
      Violation(id, step,
                "(a) shows phase " + std::to_string(shown) + ", which greens conflicting movements");
    }
    if (!t.started) {
      t = {shown, step, step, false, true, true};
      runs_[id.index()].push_back({shown, 1});
      return;
    }
    const long long length = step - t.since;  // steps the previous run lasted
    const bool was_clearance = t.phase == inter.clearance_phase;
    if (shown == t.phase) {
      ++runs_[id.index()].back().second;
      if (!is_clearance && limits_.max_green_steps > 0 && length + 1 > limits_.max_green_steps &&
          !t.max_reported) {
        t.max_reported = true;
        Violation(id, step,
                  "(c) green " + std::to_string(shown) + " exceeds max green " +
                      std::to_string(limits_.max_green_steps) + " steps");
      }
      return;
    }
    ++changes_;
    if (!was_clearance) {
      ++greens_ended_;
      if (length < limits_.min_green_steps) {
        Violation(id, step,
                  "(c) green " + std::to_string(t.phase) + " lasted " + std::to_string(length) +
                      " steps < min green " + std::to_string(limits_.min_green_steps));
      }
      if (!is_clearance && limits_.clearance_steps > 0) {
        Violation(id, step,
                  "(b) green " + std::to_string(t.phase) + " -> green " + std::to_string(shown) +
                      " without the clearance phase");
      }
    } else {
      ++clearances_ended_;
      // Exactly clearance_s; with min green 0 a green may last 0 steps, and then
      // back-to-back clearances show as one run of a multiple of clearance_s.
      const int c = limits_.clearance_steps;
      const bool exact = length == c || (limits_.min_green_steps == 0 && c > 0 && length % c == 0);
      if (length < c || (!exact && !t.first_run)) {
        Violation(id, step,
                  "(b) clearance lasted " + std::to_string(length) + " steps, expected " +
                      std::to_string(limits_.clearance_steps));
      }
    }
    t = {shown, step, step, false, false, true};
    runs_[id.index()].push_back({shown, 1});
  }

  // Reads every signal of `engine` for the coming step, and checks that the
  // engine's green movements are those of the phase it reports.
  void ObserveEngine(const sim::Engine& engine) {
    for (std::size_t i = 0; i < net_.intersections().size(); ++i) {
      const roadnet::Intersection& inter = net_.intersections()[i];
      if (!inter.signalised()) continue;
      const IntersectionId id(i);
      const PhaseIndex shown = engine.phase(id);
      if (shown >= 0 && static_cast<std::size_t>(shown) < inter.phases.size()) {
        for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
          if (engine.green(inter.road_links[k]) != inter.phases[shown].green[k]) {
            Violation(id, engine.step_count(), "engine greens differ from phase " + std::to_string(shown));
            break;
          }
        }
      }
      Observe(id, engine.step_count(), shown);
    }
  }

  // The phases shown at `id`, as (phase, steps) runs in order.
  const std::vector<std::pair<PhaseIndex, int>>& runs(IntersectionId id) const { return runs_[id.index()]; }
  long long violations() const { return violations_; }
  long long changes() const { return changes_; }
  long long greens_ended() const { return greens_ended_; }
  long long clearances_ended() const { return clearances_ended_; }
  std::string Report() const {
    std::ostringstream out;
    out << violations_ << " violation(s)";
    for (const std::string& m : messages_) out << "\n  " << m;
    return out.str();
  }

 private:
  struct Track {
    PhaseIndex phase = -1;
    long long since = 0;
    long long last = -1;
    bool max_reported = false;
    bool first_run = true;  // the run shown from the first observation
    bool started = false;
  };
  void Violation(IntersectionId id, long long step, const std::string& what) {
    if (++violations_ <= 10) {
      messages_.push_back(net_.source() + ": intersection '" + net_.intersection(id).id + "' step " +
                          std::to_string(step) + ": " + what);
    }
  }

  const roadnet::Network& net_;
  const ChordConflicts& conflicts_;
  Limits limits_;
  std::vector<Track> tracks_;
  std::vector<std::vector<std::pair<PhaseIndex, int>>> runs_;
  long long violations_ = 0, changes_ = 0, greens_ended_ = 0, clearances_ended_ = 0;
  std::vector<std::string> messages_;
};

// ---------------------------------------------------------------------------
// Controllers that try to get past the safety layer. Each logs what it asked.

struct Request {
  long long step = 0;
  IntersectionId id;
  PhaseIndex phase = 0;
  PhaseIndex in_force = 0;
  double green_elapsed_s = 0;
};
using RequestLog = std::vector<Request>;

class LoggingController : public Controller {
 public:
  LoggingController(std::shared_ptr<RequestLog> log, double interval_s)
      : log_(std::move(log)), interval_s_(interval_s) {}
  // The cadence it is designed for (> 0), or 0: the run's.
  double interval_s() const { return interval_s_; }
  PhaseIndex Decide(const Observation& obs, IntersectionId id, const SignalStatus& status) final {
    PhaseIndex phase = Choose(obs.network().intersection(id), id, status);
    const long long step = std::llround(obs.time_s() / obs.step_s());
    log_->push_back({step, id, phase, status.phase_in_force, status.green_elapsed_s});
    return phase;
  }

 protected:
  virtual PhaseIndex Choose(const roadnet::Intersection& inter, IntersectionId id,
                            const SignalStatus& status) = 0;

 private:
  std::shared_ptr<RequestLog> log_;
  double interval_s_;
};

// Random ints: valid control phases, the clearance phase, any phase index,
// just out of range, negative, and extremes.
class RandomController : public LoggingController {
 public:
  RandomController(std::shared_ptr<RequestLog> log, double interval_s, uint64_t seed)
      : LoggingController(std::move(log), interval_s), rng_(seed) {}
  std::string name() const override { return "random"; }

 protected:
  PhaseIndex Choose(const roadnet::Intersection& inter, IntersectionId, const SignalStatus&) override {
    const int phases = static_cast<int>(inter.phases.size());
    switch (rng_() % 8) {
      case 0:
      case 1:
      case 2:
        return inter.control_phases[rng_() % inter.control_phases.size()];
      case 3:
        return inter.clearance_phase;
      case 4:
        return static_cast<PhaseIndex>(rng_() % phases);
      case 5:
        return phases + static_cast<PhaseIndex>(rng_() % 3);
      case 6:
        return -1 - static_cast<PhaseIndex>(rng_() % 3);
      default: {
        constexpr PhaseIndex kExtremes[] = {INT_MIN, INT_MAX, -1000000, 1000000};
        return kExtremes[rng_() % 4];
      }
    }
  }

 private:
  std::mt19937_64 rng_;
};

// A different control phase at every step: alternates between the control phases
// other than the one in force, so the pending request keeps changing.
class FlipFlopController : public LoggingController {
 public:
  explicit FlipFlopController(std::shared_ptr<RequestLog> log) : LoggingController(std::move(log), 1) {}
  std::string name() const override { return "flip-flop"; }

 protected:
  PhaseIndex Choose(const roadnet::Intersection& inter, IntersectionId, const SignalStatus& status) override {
    std::vector<PhaseIndex> others;
    for (PhaseIndex p : inter.control_phases) {
      if (p != status.phase_in_force) others.push_back(p);
    }
    if (others.empty()) return status.phase_in_force + 1;
    return others[calls_++ % others.size()];
  }

 private:
  std::size_t calls_ = 0;
};

// Always one fixed phase (an unsafe one, or any phase for timeline tests).
class FixedAskController : public LoggingController {
 public:
  FixedAskController(std::shared_ptr<RequestLog> log, double interval_s, PhaseIndex phase)
      : LoggingController(std::move(log), interval_s), phase_(phase) {}
  std::string name() const override { return "ask-" + std::to_string(phase_); }

 protected:
  PhaseIndex Choose(const roadnet::Intersection&, IntersectionId, const SignalStatus&) override {
    return phase_;
  }

 private:
  PhaseIndex phase_;
};

// Always the clearance phase.
class ClearanceAskController : public LoggingController {
 public:
  ClearanceAskController(std::shared_ptr<RequestLog> log, double interval_s)
      : LoggingController(std::move(log), interval_s) {}
  std::string name() const override { return "ask-clearance"; }

 protected:
  PhaseIndex Choose(const roadnet::Intersection& inter, IntersectionId, const SignalStatus&) override {
    return inter.clearance_phase;
  }
};

// Always the first unsafe control phase of the intersection (per the independent relation).
class UnsafeAskController : public LoggingController {
 public:
  UnsafeAskController(std::shared_ptr<RequestLog> log, double interval_s, const ChordConflicts& conflicts,
                      const roadnet::Network& net)
      : LoggingController(std::move(log), interval_s) {
    for (std::size_t i = 0; i < net.intersections().size(); ++i) {
      PhaseIndex unsafe = -1;
      for (PhaseIndex p : net.intersections()[i].control_phases) {
        if (!conflicts.PhaseSafe(IntersectionId(i), p)) {
          unsafe = p;
          break;
        }
      }
      unsafe_.push_back(unsafe);
    }
  }
  std::string name() const override { return "ask-unsafe"; }

 protected:
  PhaseIndex Choose(const roadnet::Intersection&, IntersectionId id, const SignalStatus&) override {
    return unsafe_[id.index()];
  }

 private:
  std::vector<PhaseIndex> unsafe_;
};

// ---------------------------------------------------------------------------
// Driving a run and checking every request against the manager's answer.

struct DriveStats {
  long long requests = 0, kept = 0, refused_unknown = 0, refused_unsafe = 0, delayed = 0, accepted = 0;
  long long refused_events = 0, delayed_events = 0, forced_events = 0, forced_refusals = 0;
  long long refused_holds = 0;  // refusals of operator or emergency holds
  long long errors = 0;
  std::vector<std::string> messages;
  void Error(const std::string& what) {
    if (++errors <= 10) messages.push_back(what);
  }
  std::string Report() const {
    std::string out = std::to_string(errors) + " error(s)";
    for (const std::string& m : messages) out += "\n  " + m;
    return out;
  }
};

// Runs `steps` steps. After every BeforeStep() the checker reads every signal,
// and each request the controllers made in that step is checked against what the
// manager did: an unknown phase -> a refused_unknown event and no change; an
// unsafe one -> refused_unsafe and no change; a safe one before min green -> no
// change and a delayed event during this green; any other -> granted. Every
// refused, delayed and forced event must be explained, and the counters must
// move by exactly the number of such events.
void Drive(sim::Engine& engine, SignalManager& signals, SequenceChecker& checker, RequestLog& log,
           const ChordConflicts& conflicts, int steps, DriveStats& stats,
           const std::function<void(long long step)>& before_step = nullptr) {
  using Kind = SignalEvent::Kind;
  const roadnet::Network& net = engine.network();
  const SignalCounters before = signals.counters();
  std::size_t seen = signals.events().size();
  // Per intersection and phase, the last step a delay of it was logged.
  std::vector<std::vector<long long>> last_delay(net.intersections().size());
  for (std::size_t i = 0; i < last_delay.size(); ++i)
    last_delay[i].assign(net.intersections()[i].phases.size(), -1);
  // Per intersection, the controller's delayed request still due (-1: none). A
  // later valid request replaces it, asking for the phase in force cancels it, a
  // refused one leaves it due (and it may then be served in the same step).
  std::vector<PhaseIndex> pending(net.intersections().size(), -1);
  log.clear();
  for (int n = 0; n < steps; ++n) {
    const long long step = engine.step_count();
    if (before_step) before_step(step);
    signals.BeforeStep();
    checker.ObserveEngine(engine);

    const std::vector<SignalEvent>& events = signals.events();
    // The manager drops the oldest half of its log when full.
    std::size_t first = events.size() >= seen ? seen : seen - SignalManager::kMaxEvents / 2;
    std::vector<const SignalEvent*> fresh;
    for (std::size_t e = first; e < events.size(); ++e) fresh.push_back(&events[e]);
    seen = events.size();
    std::vector<bool> used(fresh.size(), false);
    // Fresh events by intersection, for lookups in O(log n).
    std::vector<std::pair<uint32_t, std::size_t>> by_id;
    for (std::size_t e = 0; e < fresh.size(); ++e) by_id.push_back({fresh[e]->intersection.value(), e});
    std::sort(by_id.begin(), by_id.end());
    auto find = [&](IntersectionId id, const std::function<bool(std::size_t)>& match) {
      auto it = std::lower_bound(by_id.begin(), by_id.end(), std::make_pair(id.value(), std::size_t{0}));
      for (; it != by_id.end() && it->first == id.value(); ++it) {
        if (match(it->second)) return true;
      }
      return false;
    };
    auto take = [&](IntersectionId id, Kind kind, PhaseIndex phase) {
      return find(id, [&](std::size_t e) {
        const SignalEvent& ev = *fresh[e];
        if (used[e] || ev.kind != kind || ev.phase != phase || ev.source != RequestSource::kController)
          return false;
        used[e] = true;
        return true;
      });
    };
    auto forced_at = [&](IntersectionId id, PhaseIndex phase) {
      return find(id, [&](std::size_t e) {
        return fresh[e]->kind == Kind::kForcedMaxGreen && (phase < 0 || fresh[e]->phase == phase);
      });
    };

    for (const Request& r : log) {
      ++stats.requests;
      const roadnet::Intersection& inter = net.intersection(r.id);
      auto where = [&] {  // built only for a message
        return net.source() + " '" + inter.id + "' step " + std::to_string(step) + " phase " +
               std::to_string(r.phase) + ": ";
      };
      if (r.step != step) stats.Error(where() + "request logged at another step");
      PhaseIndex& due = pending[r.id.index()];
      if (r.phase == r.in_force) {
        ++stats.kept;
        due = -1;
        continue;
      }
      const PhaseIndex granted = signals.granted(r.id);
      const bool unchanged = granted == r.in_force || (due >= 0 && granted == due) || forced_at(r.id, -1);
      if (std::find(inter.control_phases.begin(), inter.control_phases.end(), r.phase) ==
          inter.control_phases.end()) {
        ++stats.refused_unknown;
        if (!take(r.id, Kind::kRefusedUnknown, r.phase))
          stats.Error(where() + "unknown phase not logged as refused");
        if (!unchanged) stats.Error(where() + "unknown phase changed the signal");
      } else if (!conflicts.PhaseSafe(r.id, r.phase)) {
        ++stats.refused_unsafe;
        if (!take(r.id, Kind::kRefusedUnsafe, r.phase))
          stats.Error(where() + "unsafe phase not logged as refused");
        if (!unchanged) stats.Error(where() + "unsafe phase changed the signal");
      } else if (r.green_elapsed_s + 1e-9 < signals.min_green_s()) {
        ++stats.delayed;
        const long long green_start = r.step - std::llround(r.green_elapsed_s);
        if (!take(r.id, Kind::kDelayedMinGreen, r.phase) && last_delay[r.id.index()][r.phase] < green_start) {
          stats.Error(where() + "request before min green not logged as delayed");
        }
        if (granted != r.in_force && !forced_at(r.id, -1)) {
          stats.Error(where() + "request before min green changed the signal");
        }
        due = r.phase;
      } else {
        ++stats.accepted;
        if (granted != r.phase) stats.Error(where() + "safe request after min green not granted");
        due = -1;
      }
      if (due >= 0 && granted == due) due = -1;  // served
    }
    for (std::size_t e = 0; e < fresh.size(); ++e) {
      const SignalEvent& ev = *fresh[e];
      const bool refused = ev.kind == Kind::kRefusedUnknown || ev.kind == Kind::kRefusedUnsafe;
      stats.refused_events += refused ? 1 : 0;
      stats.delayed_events += ev.kind == Kind::kDelayedMinGreen ? 1 : 0;
      stats.forced_events += ev.kind == Kind::kForcedMaxGreen ? 1 : 0;
      if (ev.kind == Kind::kDelayedMinGreen) last_delay[ev.intersection.index()][ev.phase] = step;
      if (ev.kind == Kind::kOverride) pending[ev.intersection.index()] = -1;  // a hold replaces it
      if (ev.time_s != engine.time_s()) stats.Error("event logged with the wrong time");
      if (used[e] || !(refused || ev.kind == Kind::kDelayedMinGreen)) continue;
      // Not a controller's request: the max-green rule's, or an operator's hold.
      if (forced_at(ev.intersection, ev.phase)) {
        stats.forced_refusals += refused ? 1 : 0;
      } else if (ev.source != RequestSource::kController && refused) {
        ++stats.refused_holds;  // a refused operator/emergency hold (Hold() returned the error)
      } else if (ev.source == RequestSource::kController || refused) {
        stats.Error(net.source() + " '" + net.intersection(ev.intersection).id + "' step " +
                    std::to_string(step) + ": unexplained " + SignalEventKindName(ev.kind) + " of phase " +
                    std::to_string(ev.phase));
      }
    }
    log.clear();
    engine.Step();
  }
  const SignalCounters& after = signals.counters();
  if (after.refused - before.refused != stats.refused_events)
    stats.Error("refused counter != refused events");
  if (after.delayed - before.delayed != stats.delayed_events)
    stats.Error("delayed counter != delayed events");
  if (after.forced - before.forced != stats.forced_events) stats.Error("forced counter != forced events");
  if (after.safety_violations != 0) stats.Error("the manager's own monitor counted safety violations");
}

struct World {
  std::shared_ptr<const roadnet::Network> net;
  std::shared_ptr<const demand::Demand> demand;
};

using ControllerFactory =
    std::function<std::unique_ptr<Controller>(std::shared_ptr<RequestLog>, const ChordConflicts&)>;

struct RunResult {
  DriveStats stats;
  long long changes = 0, greens_ended = 0, clearances_ended = 0;
  std::vector<std::pair<PhaseIndex, int>> runs_at_first_signal;  // (phase, steps) runs
};

// One checked run of `make`'s controller over `world`; adds failures for any
// violation of (a)-(d).
RunResult CheckedRun(const World& world, const ControllerFactory& make, const SignalOptions& options,
                     int steps,
                     const std::function<void(SignalManager&, long long step)>& before_step = nullptr) {
  SCOPED_TRACE(world.net->source() + " clearance " + std::to_string(options.clearance_s.value_or(-1)) +
               " min " + std::to_string(options.min_green_s.value_or(-1)) + " max " +
               std::to_string(options.max_green_s) + " interval " +
               std::to_string(options.decision_interval_s.value_or(-1)));
  ChordConflicts conflicts(*world.net);
  auto log = std::make_shared<RequestLog>();
  sim::Engine engine(world.net, world.demand, sim::EngineOptions{});
  // A controller designed for its own cadence runs at it: the run sets none then.
  std::unique_ptr<Controller> controller = make(log, conflicts);
  const auto* logging = dynamic_cast<const LoggingController*>(controller.get());
  const double own_s = logging != nullptr ? logging->interval_s() : 0;
  SignalOptions effective = options;
  if (own_s > 0) effective.decision_interval_s.reset();
  SignalManager signals(engine, std::move(controller), effective, own_s);
  SequenceChecker checker(*world.net, conflicts, LimitsOf(options));
  RunResult result;
  auto hook = [&](long long step) {
    if (before_step) before_step(signals, step);
  };
  Drive(engine, signals, checker, *log, conflicts, steps, result.stats, hook);
  std::string name;
  for (std::size_t i = 0; i < world.net->intersections().size() && name.empty(); ++i) {
    if (world.net->intersections()[i].signalised()) name = signals.controller(IntersectionId(i)).name();
  }
  EXPECT_EQ(checker.violations(), 0) << name << ": " << checker.Report();
  EXPECT_EQ(result.stats.errors, 0) << result.stats.Report();
  EXPECT_GT(result.stats.requests, 0);
  result.changes = checker.changes();
  result.greens_ended = checker.greens_ended();
  result.clearances_ended = checker.clearances_ended();
  for (std::size_t i = 0; i < world.net->intersections().size(); ++i) {
    if (!world.net->intersections()[i].signalised()) continue;
    result.runs_at_first_signal = checker.runs(IntersectionId(i));
    break;
  }
  return result;
}

ControllerFactory Random(double interval_s, uint64_t seed) {
  return [=](std::shared_ptr<RequestLog> log, const ChordConflicts&) {
    return std::make_unique<RandomController>(std::move(log), interval_s, seed);
  };
}
ControllerFactory FlipFlop() {
  return [](std::shared_ptr<RequestLog> log, const ChordConflicts&) {
    return std::make_unique<FlipFlopController>(std::move(log));
  };
}
ControllerFactory AskClearance(double interval_s) {
  return [=](std::shared_ptr<RequestLog> log, const ChordConflicts&) {
    return std::make_unique<ClearanceAskController>(std::move(log), interval_s);
  };
}
ControllerFactory AskUnsafe(double interval_s, const roadnet::Network& net) {
  return [=, &net](std::shared_ptr<RequestLog> log, const ChordConflicts& conflicts) {
    return std::make_unique<UnsafeAskController>(std::move(log), interval_s, conflicts, net);
  };
}

SignalOptions Options(double clearance_s, double min_green_s, double max_green_s, double interval_s) {
  SignalOptions o;
  o.clearance_s = clearance_s;
  o.min_green_s = min_green_s;
  o.max_green_s = max_green_s;
  o.decision_interval_s = interval_s;
  return o;
}

// ---------------------------------------------------------------------------
// Worlds.

// The bundled scenarios, loaded once per test binary: they are immutable, and
// loading round 3 costs more than running it.
const World& Bundled(const std::string& roadnet, const std::string& flow) {
  static std::map<std::string, World> cache;
  auto it = cache.find(roadnet);
  if (it == cache.end()) {
    auto s = demand::LoadScenario(kData + "/" + roadnet, kData + "/" + flow);
    EXPECT_TRUE(s.ok()) << s.status().message();
    World w;
    if (s.ok()) w = {s->network, s->demand};
    it = cache.emplace(roadnet, w).first;
  }
  return it->second;
}

World MakeWorld(roadnet::NetworkSpec spec, const demand::DemandSpec& flows) {
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  World w;
  w.net = std::make_shared<const roadnet::Network>(std::move(net).value());
  auto d = demand::BuildDemand(flows, *w.net);
  EXPECT_TRUE(d.ok()) << d.status().message();
  w.demand = std::make_shared<const demand::Demand>(std::move(d).value());
  return w;
}

// The tiny cross (testing/tiny_network.h). Road link 3k + {0 straight, 1 left,
// 2 right} for approach k in N, E, S, W.
constexpr int kStraightN = 0, kStraightE = 3;
constexpr PhaseIndex kNorthEast = 5;  // the phase added by CrossSpec

// The cross with phase 5 added: N straight and E straight green together (with
// the right turns) - unsafe - listed among the control phases `control`.
roadnet::NetworkSpec CrossSpec(std::vector<int> control) {
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  roadnet::IntersectionSpec& centre = spec.intersections.back();
  roadnet::PhaseSpec unsafe{30, {kStraightN, kStraightE, 2, 5, 8, 11}, "N+E straight"};
  centre.phases.push_back(unsafe);
  centre.control_phases = std::move(control);
  return spec;
}

demand::DemandSpec CrossFlows() {
  demand::DemandSpec flows;
  flows.source = "test";
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"W_C", "C_E"}, {"E_C", "C_W"}, {"N_C", "C_S"}, {"S_C", "C_N"}, {"N_C", "C_E"}, {"W_C", "C_N"}}) {
    flows.flows.push_back(testing::MakeFlow({from, to}, 7));
  }
  return flows;
}

const IntersectionId kCentre(4u);  // "C" comes after the four boundary nodes

// ---------------------------------------------------------------------------
// Option combinations: clearance 0/3/5 s, min green 0/5/10/15 s, max green
// 0/20/60 s, decision interval 1/5/15 s, each value with several of the others.

struct Combo {
  double clearance_s, min_green_s, max_green_s, interval_s;
};

const Combo kCombos[] = {
    {5, 10, 0, 15}, {3, 5, 20, 5},  {5, 15, 20, 1},  {3, 0, 60, 15}, {5, 5, 60, 5},
    {3, 15, 0, 1},  {5, 0, 20, 1},  {3, 10, 60, 5},  {0, 0, 0, 1},   {0, 0, 0, 5},
    {0, 0, 0, 15},  {0, 10, 20, 5}, {0, 15, 60, 15}, {0, 5, 0, 1},   {0, 0, 60, 1},
};

SignalOptions Options(const Combo& c) {
  return Options(c.clearance_s, c.min_green_s, c.max_green_s, c.interval_s);
}

// Option combinations that once exposed SignalManager bugs, run by their own
// regression tests below.
//
// Bug 1 (fixed): with clearance_s = 0 the green clock was never restarted, so min
// and max green counted from t = 0.
bool ZeroClearanceWithGreenLimits(const Combo& c) {
  return c.clearance_s == 0 && (c.min_green_s > 0 || c.max_green_s > 0);
}
// Bug 2 (fixed): a request delayed by min green was not re-requested on decision
// steps and blocked the max-green rule while pending.
bool EverySecondWithGreenLimits(const Combo& c, double controller_interval_s) {
  const double interval_s = controller_interval_s > 0 ? controller_interval_s : c.interval_s;
  return interval_s == 1 && c.min_green_s > 0 && c.max_green_s > 0;
}

// Runs `make` over the combinations `select` accepts (at most `max_runs`); checks
// that the runs exercised the rules, so the test cannot pass vacuously.
void RunCombos(
    const World& w, const std::function<ControllerFactory(std::size_t)>& make, int steps,
    const std::function<bool(const Combo&, std::size_t)>& select, std::size_t max_runs,
    const std::function<double(std::size_t)>& cadence = [](std::size_t) { return 0.0; }) {
  ASSERT_TRUE(w.net && w.demand);
  std::size_t runs = 0;
  for (std::size_t i = 0; i < std::size(kCombos) && runs < max_runs; ++i) {
    const Combo& c = kCombos[i];
    if (!select(c, i)) continue;
    ++runs;
    RunResult r = CheckedRun(w, make(i), Options(c), steps);
    // With min green 0 a flip-flopper can keep a signal in clearance for good.
    EXPECT_TRUE(r.changes > 0 || (c.min_green_s == 0 && c.clearance_s > 0)) << i;
    if (c.clearance_s > 0 && r.changes > 0) {
      EXPECT_GT(r.clearances_ended, 0) << i;
    }
    // A controller deciding more often than min green allows must be delayed.
    const double interval_s = cadence(i) > 0 ? cadence(i) : c.interval_s;
    if (c.min_green_s > interval_s) {
      EXPECT_GT(r.stats.delayed, 0) << i;
    }
  }
  EXPECT_GT(runs, 0u);
}

// ---------------------------------------------------------------------------
// Every bundled network.

struct BundledCase {
  const char* name;
  const char* roadnet;
  const char* flow;
  int steps;
  std::size_t max_runs;  // option combinations per test
};
void PrintTo(const BundledCase& c, std::ostream* os) { *os << c.name; }

const BundledCase kBundled[] = {
    {"Hangzhou4x4", "cityflow/hangzhou_4x4/roadnet_4_4.json",
     "cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json", 600, 100},
    {"Jinan3x4", "cityflow/jinan_3x4/roadnet_3_4.json", "cityflow/jinan_3x4/anon_3_4_jinan_real_2000.json",
     600, 100},
    {"Synthetic3x3", "cityflow/synthetic_3x3/roadnet_3_3.json",
     "cityflow/synthetic_3x3/anon_3_3_300_0.3_bi.json", 600, 100},
    {"Synthetic6x6", "cityflow/synthetic_6x6/roadnet_6_6.json",
     "cityflow/synthetic_6x6/anon_6_6_300_0.3_uni.json", 600, 100},
    {"CityflowExample", "cityflow/examples/roadnet.json", "cityflow/examples/flow.json", 600, 100},
    {"Kdd1x1", "citybrain_kddcup2021/roadnet_1x1.txt", "citybrain_kddcup2021/flow_1x1.txt", 600, 100},
    {"KddWarmUp", "citybrain_kddcup2021/roadnet_warm_up.txt", "citybrain_kddcup2021/flow_warm_up_1000.txt",
     600, 100},
    // 1004 signals: one short run per test keeps the suite fast.
    {"KddRound3", "citybrain_kddcup2021/roadnet_round3.txt", "citybrain_kddcup2021/flow_round3_flow0.txt",
     300, 1},
};

class BundledSafety : public ::testing::TestWithParam<BundledCase> {
 protected:
  const World& world() const { return Bundled(GetParam().roadnet, GetParam().flow); }
  int steps() const { return GetParam().steps; }
  std::size_t max_runs() const { return GetParam().max_runs; }
};

// Odd combinations run the random controller at its own cadence (5 s), which
// overrides the run's decision interval.
double RandomCadence(std::size_t combo) { return combo % 2 == 1 ? 5 : 0; }

TEST_P(BundledSafety, RandomRequestsNeverGetPast) {
  RunCombos(
      world(), [](std::size_t i) { return Random(RandomCadence(i), 1000 + i); }, steps(),
      [](const Combo&, std::size_t) { return true; }, max_runs(), RandomCadence);
}

TEST_P(BundledSafety, FlipFlopperNeverGetsPast) {
  // Its requests are all valid, so bug 2 does not apply.
  RunCombos(
      world(), [](std::size_t) { return FlipFlop(); }, steps(),
      [](const Combo& c, std::size_t) { return c.interval_s != 15; }, max_runs());
}

TEST_P(BundledSafety, AskingForTheClearancePhaseIsRefused) {
  for (double max_green_s : {20.0, 0.0}) {
    if (max_green_s == 0 && max_runs() < 2) break;
    RunResult r = CheckedRun(world(), AskClearance(5), Options(5, 10, max_green_s, 15), steps());
    EXPECT_EQ(r.stats.refused_unknown, r.stats.requests - r.stats.kept);
    EXPECT_GT(r.stats.refused_unknown, 0);
    EXPECT_EQ(r.stats.refused_events, r.stats.refused_unknown);
    if (max_green_s == 0) {
      EXPECT_EQ(r.changes, 0);  // nothing else changes a phase
    } else {
      EXPECT_GT(r.stats.forced_events, 0);
      EXPECT_GT(r.changes, 0);
    }
  }
}

// Regression for bug 1 (see ZeroClearanceWithGreenLimits).
TEST_P(BundledSafety, ZeroClearanceKeepsMinAndMaxGreen) {
  RunCombos(
      world(), [](std::size_t i) { return Random(0, 3000 + i); }, steps(),
      [](const Combo& c, std::size_t) { return ZeroClearanceWithGreenLimits(c); }, max_runs());
  RunCombos(
      world(), [](std::size_t) { return FlipFlop(); }, steps(),
      [](const Combo& c, std::size_t) { return ZeroClearanceWithGreenLimits(c); }, max_runs());
}

// Regression for bug 2 (see EverySecondWithGreenLimits).
TEST_P(BundledSafety, MaxGreenHoldsWhileARequestIsPending) {
  RunCombos(
      world(), [](std::size_t i) { return Random(0, 4000 + i); }, steps(),
      [](const Combo& c, std::size_t) { return EverySecondWithGreenLimits(c, 0) && c.clearance_s > 0; },
      max_runs());
}

INSTANTIATE_TEST_SUITE_P(All, BundledSafety, ::testing::ValuesIn(kBundled),
                         [](const ::testing::TestParamInfo<BundledCase>& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Networks whose data has an unsafe phase, listed as a control phase so that a
// controller may ask for it. The layer must refuse it every time.

ControllerFactory AskPhase(double interval_s, PhaseIndex phase) {
  return [=](std::shared_ptr<RequestLog> log, const ChordConflicts&) {
    return std::make_unique<FixedAskController>(std::move(log), interval_s, phase);
  };
}

// Every option value x every controller, on the cross with phase 5 (N + E
// straight) as its last control phase. Max green is left out here: see
// MaxGreenNeverForcesTowardsAnUnsafePhase.
TEST(UnsafePhase, NoControllerGetsItShownOnTheCross) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4, kNorthEast}), CrossFlows());
  ASSERT_FALSE(ChordConflicts(*w.net).PhaseSafe(kCentre, kNorthEast));
  ASSERT_EQ(w.net->intersection(kCentre).id, "C");
  long long refused_unsafe = 0, refused_unknown = 0, delayed = 0, runs = 0;
  uint64_t seed = 4000;
  for (double clearance_s : {0, 3, 5}) {
    for (double min_green_s : {0, 5, 10, 15}) {
      for (double interval_s : {1, 5, 15}) {
        const Combo c{clearance_s, min_green_s, 0, interval_s};
        for (const ControllerFactory& make :
             {Random(0, ++seed), FlipFlop(), AskUnsafe(0, *w.net), AskClearance(0)}) {
          RunResult r = CheckedRun(w, make, Options(c), 300);
          ++runs;
          refused_unsafe += r.stats.refused_unsafe;
          refused_unknown += r.stats.refused_unknown;
          delayed += r.stats.delayed;
        }
        // Asking only for the unsafe phase: refused at every decision, never a change.
        RunResult r = CheckedRun(w, AskUnsafe(0, *w.net), Options(c), 300);
        EXPECT_EQ(r.stats.refused_unsafe, r.stats.requests);
        EXPECT_EQ(r.stats.refused_events, r.stats.requests);
        EXPECT_EQ(r.changes, 0);
        ASSERT_EQ(r.runs_at_first_signal.size(), 1u);
        EXPECT_EQ(r.runs_at_first_signal[0], std::make_pair(PhaseIndex{1}, 300));
      }
    }
  }
  EXPECT_EQ(runs, 3 * 4 * 3 * 4);  // clearance x min green x interval x controller
  EXPECT_GT(refused_unsafe, 1000);
  EXPECT_GT(refused_unknown, 1000);
  EXPECT_GT(delayed, 100);
}

// Hangzhou with one more phase at every signal that greens the first pair of
// conflicting protected movements (by the independent relation), made a control
// phase.
World UnsafeHangzhou() {
  const std::string dir = kData + "/cityflow/hangzhou_4x4/";
  auto spec = roadnet::ParseCityflowRoadnet(dir + "roadnet_4_4.json");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  auto plain = roadnet::BuildNetwork(*spec);
  EXPECT_TRUE(plain.ok()) << plain.status().message();
  ChordConflicts chords(*plain);
  for (std::size_t i = 0; i < plain->intersections().size(); ++i) {
    const roadnet::Intersection& inter = plain->intersections()[i];
    roadnet::IntersectionSpec& is = spec->intersections[i];
    EXPECT_EQ(is.id, inter.id);
    if (!inter.signalised()) continue;
    std::vector<int> pair;
    for (std::size_t x = 0; x < inter.road_links.size() && pair.empty(); ++x) {
      for (std::size_t y = x + 1; y < inter.road_links.size() && pair.empty(); ++y) {
        RoadLinkId a = inter.road_links[x], b = inter.road_links[y];
        if (chords.Protected(a) && chords.Protected(b) && chords.Conflict(a, b)) pair = {int(x), int(y)};
      }
    }
    EXPECT_EQ(pair.size(), 2u) << inter.id;
    is.control_phases = inter.control_phases;
    is.control_phases.push_back(static_cast<int>(is.phases.size()));
    is.phases.push_back(roadnet::PhaseSpec{30, pair, "unsafe"});
  }
  auto flows = demand::ParseCityflowFlow(dir + "anon_4_4_hangzhou_real.json");
  EXPECT_TRUE(flows.ok()) << flows.status().message();
  return MakeWorld(std::move(spec).value(), *flows);
}

TEST(UnsafePhase, NoControllerGetsItShownInHangzhou) {
  World w = UnsafeHangzhou();
  ChordConflicts chords(*w.net);
  int unsafe_signals = 0;
  for (std::size_t i = 0; i < w.net->intersections().size(); ++i) {
    const roadnet::Intersection& inter = w.net->intersections()[i];
    if (inter.signalised())
      unsafe_signals += chords.PhaseSafe(IntersectionId(i), inter.control_phases.back()) ? 0 : 1;
  }
  ASSERT_EQ(unsafe_signals, 16);
  long long refused_unsafe = 0;
  for (const Combo& c : {Combo{5, 10, 0, 15}, Combo{3, 5, 0, 5}, Combo{5, 0, 0, 1}}) {
    refused_unsafe += CheckedRun(w, Random(0, 5000 + c.interval_s), Options(c), 600).stats.refused_unsafe;
    RunResult r = CheckedRun(w, AskUnsafe(0, *w.net), Options(c), 600);
    EXPECT_EQ(r.stats.refused_unsafe, r.stats.requests);
    EXPECT_EQ(r.changes, 0);
    refused_unsafe += CheckedRun(w, FlipFlop(), Options(c), 600).stats.refused_unsafe;
  }
  EXPECT_GT(refused_unsafe, 1000);
}

// Known bug: when a green reaches max green and the next control phase in the
// list is unsafe, the forced change is refused at every step and the green
// never ends (here phase 4, whose next control phase is 5).
TEST(UnsafePhase, MaxGreenNeverForcesTowardsAnUnsafePhase) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4, kNorthEast}), CrossFlows());
  for (double max_green_s : {20, 60}) {
    for (const ControllerFactory& make : {AskUnsafe(0, *w.net), AskClearance(0), Random(0, 6000)}) {
      CheckedRun(w, make, Options(5, 10, max_green_s, 15), 600);
    }
  }
}

// ---------------------------------------------------------------------------
// The starting phase. The manager starts every signal on a control phase before
// any request; when the data's first control phase is itself unsafe, it must not
// be shown: the right behaviour is to start on the first safe control phase
// (or on the clearance phase when none is safe), refusing the unsafe one
// (counted and logged) like any other request for it.

roadnet::NetworkSpec UnsafePhaseOneSpec() {
  // Phase 1 (the protocol's phase at t = 0) greens N straight with E straight.
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  spec.intersections.back().phases[1].green_road_links = {kStraightN, kStraightE, 2, 5, 8, 11};
  return spec;
}

TEST(UnsafeStart, AnUnsafeFirstControlPhaseIsNeverShown) {
  World w = MakeWorld(UnsafePhaseOneSpec(), CrossFlows());
  const roadnet::Intersection& c = w.net->intersection(kCentre);
  ASSERT_EQ(c.control_phases, (std::vector<int>{1, 2, 3, 4}));  // derived from the data
  ASSERT_FALSE(ChordConflicts(*w.net).PhaseSafe(kCentre, 1));
  {
    sim::Engine engine(w.net, w.demand, sim::EngineOptions{});
    SignalManager signals(engine, AskPhase(0, 1)(std::make_shared<RequestLog>(), ChordConflicts(*w.net)),
                          Options(5, 10, 0, 15));
    EXPECT_NE(engine.phase(kCentre), 1);
    EXPECT_EQ(signals.granted(kCentre), 2);  // the first safe control phase
    EXPECT_EQ(signals.counters().refused, 1);
    ASSERT_FALSE(signals.events().empty());
    EXPECT_EQ(signals.events().front().kind, SignalEvent::Kind::kRefusedUnsafe);
    EXPECT_EQ(signals.events().front().phase, 1);
    EXPECT_EQ(signals.events().front().time_s, 0);
  }
  for (const Combo& combo : {Combo{5, 10, 0, 15}, Combo{3, 0, 0, 1}, Combo{5, 15, 0, 5}}) {
    for (const ControllerFactory& make : {AskPhase(0, 1), AskClearance(0), FlipFlop(), Random(0, 7000)}) {
      RunResult r = CheckedRun(w, make, Options(combo), 300);
      ASSERT_FALSE(r.runs_at_first_signal.empty());
      EXPECT_EQ(r.runs_at_first_signal[0].first, 2);
    }
  }
}

TEST(UnsafeStart, AnUnsafePhaseListedFirstIsNeverShown) {
  World w = MakeWorld(CrossSpec({kNorthEast, 1, 2, 3, 4}), CrossFlows());
  RunResult r = CheckedRun(w, AskUnsafe(0, *w.net), Options(5, 10, 0, 15), 300);
  ASSERT_EQ(r.runs_at_first_signal.size(), 1u);
  EXPECT_EQ(r.runs_at_first_signal[0], std::make_pair(PhaseIndex{1}, 300));
  EXPECT_EQ(r.stats.refused_unsafe, r.stats.requests);
}

TEST(UnsafeStart, WithNoSafeControlPhaseTheClearancePhaseShows) {
  World w = MakeWorld(CrossSpec({kNorthEast}), CrossFlows());
  for (const ControllerFactory& make : {AskUnsafe(0, *w.net), Random(0, 8000)}) {
    RunResult r = CheckedRun(w, make, Options(5, 10, 0, 5), 120);
    ASSERT_EQ(r.runs_at_first_signal.size(), 1u);
    EXPECT_EQ(r.runs_at_first_signal[0], std::make_pair(PhaseIndex{0}, 120));
  }
}

// Bug 2 on its own: a request delayed by min green must be served when min green
// ends, even if the controller's later requests are refused. Phase 2 is asked
// at t = 0 (delayed: min green 10 s), then only an unknown phase: 2 should show
// from t = 15 (10 s of phase 1, 5 s of clearance).
TEST(DelayedRequests, AreServedWhenMinGreenEnds) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4}), CrossFlows());
  for (double interval_s : {1.0, 5.0}) {
    auto make = [=](std::shared_ptr<RequestLog> log, const ChordConflicts&) {
      struct TwoThenUnknown : LoggingController {
        using LoggingController::LoggingController;
        std::string name() const override { return "2-then-unknown"; }
        PhaseIndex Choose(const roadnet::Intersection&, IntersectionId, const SignalStatus& s) override {
          return s.decision_index == 0 ? 2 : 99;
        }
      };
      return std::make_unique<TwoThenUnknown>(std::move(log), interval_s);
    };
    RunResult r = CheckedRun(w, make, Options(5, 10, 0, 15), 40);
    ASSERT_GE(r.runs_at_first_signal.size(), 3u);
    EXPECT_EQ(r.runs_at_first_signal[0], std::make_pair(PhaseIndex{1}, 10)) << interval_s;
    EXPECT_EQ(r.runs_at_first_signal[1], std::make_pair(PhaseIndex{0}, 5)) << interval_s;
    EXPECT_EQ(r.runs_at_first_signal[2].first, 2) << interval_s;
  }
}

// Known gap, outside SignalManager: BuildNetwork accepts an explicit
// IntersectionSpec::clearance_phase that greens conflicting movements, and the
// manager then shows it during every change. No importer produces one (CityFlow
// derives a right-turns-only phase, CBEngine's phase 0 is right turns only), but
// a hand-made spec can. Right behaviour: BuildNetwork rejects it (a clearance
// phase may green right turns only), or the layer never shows it.
TEST(UnsafeClearance, IsRejectedOrNeverShown) {
  roadnet::NetworkSpec spec = CrossSpec({1, 2, 3, 4});
  spec.intersections.back().clearance_phase = kNorthEast;
  auto built = roadnet::BuildNetwork(spec);
  if (!built.ok()) return;  // rejected: the right outcome
  World w = MakeWorld(std::move(spec), CrossFlows());
  CheckedRun(w, Random(0, 9000), Options(5, 10, 0, 15), 120);
}

// ---------------------------------------------------------------------------
// Operator and emergency holds.

bool SameCounters(const SignalCounters& a, const SignalCounters& b) {
  return a.phase_changes == b.phase_changes && a.refused == b.refused && a.delayed == b.delayed &&
         a.forced == b.forced && a.safety_violations == b.safety_violations;
}

TEST(Holds, UnsafeOrUnknownHoldsAreRefusedAndChangeNothing) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4, kNorthEast}), CrossFlows());
  const double nan = std::nan("");
  struct Bad {
    IntersectionId id;
    PhaseIndex phase;
    double duration_s;
  };
  const Bad bad[] = {
      {kCentre, kNorthEast, 30},  // unsafe
      {kCentre, 0, 30},           // the clearance phase
      {kCentre, -1, 30},
      {kCentre, 6, 30},
      {kCentre, INT_MAX, 30},
      {kCentre, INT_MIN, 30},
      {IntersectionId(0u), 1, 30},  // a boundary node, not signalised
      {IntersectionId(999u), 1, 30},
      {IntersectionId::Invalid(), 1, 30},
      {kCentre, 2, 0},
      {kCentre, 2, -5},
      {kCentre, 2, nan},
  };
  // The same run twice, once with every bad hold tried every 7 steps (also while
  // a valid hold of phase 3 is in force, from step 50 to 80): the phases shown
  // must be identical, and each bad hold must leave the state untouched.
  auto run = [&](bool try_bad) {
    int refused = 0;
    auto hook = [&](SignalManager& signals, long long step) {
      if (step == 50) {
        EXPECT_TRUE(signals.Hold(kCentre, 3, 30, RequestSource::kOperator).ok());
      }
      if (!try_bad || step % 7 != 3) return;
      for (const Bad& b : bad) {
        const SignalCounters counters = signals.counters();
        const std::size_t events = signals.events().size();
        const PhaseIndex granted = signals.granted(kCentre);
        const bool in_clearance = signals.in_clearance(kCentre);
        Status status = signals.Hold(b.id, b.phase, b.duration_s, RequestSource::kEmergency);
        EXPECT_FALSE(status.ok()) << b.phase << " for " << b.duration_s << " s";
        EXPECT_EQ(status.code(), Status::Code::kInvalidInput);
        EXPECT_FALSE(status.message().empty());
        // At a signal: counted and logged as a refusal. Elsewhere: only the error.
        // Nothing else moves.
        SignalCounters expected = counters;
        const bool at_signal = b.id == kCentre;
        expected.refused += at_signal ? 1 : 0;
        EXPECT_TRUE(SameCounters(signals.counters(), expected));
        EXPECT_EQ(signals.events().size(), events + (at_signal ? 1 : 0));
        EXPECT_EQ(signals.granted(kCentre), granted);
        EXPECT_EQ(signals.in_clearance(kCentre), in_clearance);
        ++refused;
      }
    };
    RunResult r = CheckedRun(w, FlipFlop(), Options(5, 10, 0, 1), 200, hook);
    EXPECT_EQ(refused, try_bad ? 29 * static_cast<int>(std::size(bad)) : 0);
    return r.runs_at_first_signal;
  };
  const auto with_bad = run(true);
  EXPECT_EQ(with_bad, run(false));
  // The valid hold did take effect: phase 3 showed.
  EXPECT_TRUE(std::any_of(with_bad.begin(), with_bad.end(), [](auto run) { return run.first == 3; }));
}

// Timelines at the centre, clearance 5 s, min green 10 s, a decision every step.
TEST(Holds, AHoldDuringAClearanceKeepsTheClearance) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4}), CrossFlows());
  // The controller wants 2 from t = 0: phase 1 until t = 10 (min green), then
  // clearance from t = 10. At t = 12, mid-clearance, an operator holds 3 for 20 s.
  auto hook = [](SignalManager& signals, long long step) {
    if (step == 12) {
      EXPECT_TRUE(signals.in_clearance(kCentre));
      EXPECT_TRUE(signals.Hold(kCentre, 3, 20, RequestSource::kOperator).ok());
    }
  };
  RunResult r = CheckedRun(w, AskPhase(1, 2), Options(5, 10, 0, 1), 60, hook);
  const auto& runs = r.runs_at_first_signal;
  ASSERT_GE(runs.size(), 5u);
  EXPECT_EQ(runs[0], std::make_pair(PhaseIndex{1}, 10));
  EXPECT_EQ(runs[1], std::make_pair(PhaseIndex{0}, 5));  // the clearance is not cut short
  EXPECT_EQ(runs[2].first, 3);                           // the held phase, straight after it
  EXPECT_GE(runs[2].second, 32 - 15);                    // until the hold ends (t = 12 + 20)
  EXPECT_EQ(runs[3], std::make_pair(PhaseIndex{0}, 5));
  EXPECT_EQ(runs[4].first, 2);  // back to the controller
}

TEST(Holds, AHoldDuringMinGreenWaitsForIt) {
  World w = MakeWorld(CrossSpec({1, 2, 3, 4}), CrossFlows());
  std::vector<SignalEvent> delays;
  auto hook = [&](SignalManager& signals, long long step) {
    if (step == 3) {
      EXPECT_TRUE(signals.Hold(kCentre, 2, 30, RequestSource::kEmergency).ok());
    }
    if (step == 4) {
      for (const SignalEvent& e : signals.events()) {
        if (e.kind == SignalEvent::Kind::kDelayedMinGreen) delays.push_back(e);
      }
    }
  };
  // The controller keeps phase 1; the emergency hold asks for 2 at t = 3.
  RunResult r = CheckedRun(w, AskPhase(1, 1), Options(5, 10, 0, 1), 60, hook);
  const auto& runs = r.runs_at_first_signal;
  ASSERT_GE(runs.size(), 3u);
  EXPECT_EQ(runs[0], std::make_pair(PhaseIndex{1}, 10));  // min green is not cut short
  EXPECT_EQ(runs[1], std::make_pair(PhaseIndex{0}, 5));
  EXPECT_EQ(runs[2].first, 2);
  EXPECT_GE(runs[2].second, 33 - 15);  // until the hold ends (t = 3 + 30)
  // Delayed once, counted, and logged with its source.
  ASSERT_EQ(delays.size(), 1u);
  EXPECT_EQ(delays[0].phase, 2);
  EXPECT_EQ(delays[0].time_s, 3);
  EXPECT_EQ(delays[0].source, RequestSource::kEmergency);
}

// ---------------------------------------------------------------------------
// The checker itself: it must report each kind of violation.

class CheckerSelfTest : public ::testing::Test {
 protected:
  CheckerSelfTest()
      : world_(MakeWorld(CrossSpec({1, 2, 3, 4, kNorthEast}), CrossFlows())), chords_(*world_.net) {}
  // Feeds the runs (phase, steps) shown at the centre from step 0 on.
  std::string Feed(const std::vector<std::pair<PhaseIndex, int>>& runs, Limits limits = {5, 10, 20}) {
    SequenceChecker checker(*world_.net, chords_, limits);
    long long step = 0;
    for (auto [phase, steps] : runs) {
      for (int i = 0; i < steps; ++i) checker.Observe(kCentre, step++, phase);
    }
    if (checker.violations() == 0) return "";
    EXPECT_EQ(checker.runs(kCentre).size(), runs.size());
    return checker.Report();
  }
  World world_;
  ChordConflicts chords_;
};

TEST_F(CheckerSelfTest, AcceptsAValidSequence) {
  EXPECT_EQ(Feed({{1, 10}, {0, 5}, {2, 20}, {0, 5}, {3, 12}, {0, 5}, {1, 10}}), "");
  EXPECT_EQ(Feed({{1, 3}, {2, 1}, {3, 7}}, {0, 0, 0}), "");    // no clearance, no min green
  EXPECT_EQ(Feed({{1, 10}, {0, 15}, {2, 1}}, {5, 0, 0}), "");  // zero-length greens in a clearance
}

TEST_F(CheckerSelfTest, CatchesAnUnsafePhase) {
  EXPECT_NE(Feed({{1, 10}, {0, 5}, {kNorthEast, 10}}).find("(a)"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesAPhaseThatIsNotAControlPhase) {
  EXPECT_NE(Feed({{1, 10}, {0, 5}, {6, 10}}).find("neither"), std::string::npos);
  EXPECT_NE(Feed({{1, 10}, {0, 5}, {-1, 10}}).find("neither"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesAChangeWithoutClearance) {
  EXPECT_NE(Feed({{1, 10}, {2, 10}}).find("(b)"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesAShortOrLongClearance) {
  EXPECT_NE(Feed({{1, 10}, {0, 4}, {2, 10}}).find("(b) clearance lasted 4"), std::string::npos);
  EXPECT_NE(Feed({{1, 10}, {0, 6}, {2, 10}}).find("(b) clearance lasted 6"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesAShortGreen) {
  EXPECT_NE(Feed({{1, 10}, {0, 5}, {2, 9}, {0, 5}, {1, 10}}).find("(c) green 2 lasted 9"), std::string::npos);
  EXPECT_NE(Feed({{1, 3}, {0, 5}, {2, 10}}).find("(c) green 1 lasted 3"),
            std::string::npos);  // the first one too
}

TEST_F(CheckerSelfTest, CatchesALongGreen) {
  EXPECT_EQ(Feed({{1, 20}}), "");
  EXPECT_NE(Feed({{1, 21}}).find("(c) green 1 exceeds max green"), std::string::npos);
  EXPECT_NE(Feed({{1, 10}, {0, 5}, {2, 25}, {0, 5}}).find("(c) green 2 exceeds"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesMissedSteps) {
  SequenceChecker checker(*world_.net, chords_, {5, 10, 20});
  checker.Observe(kCentre, 0, 1);
  checker.Observe(kCentre, 2, 1);
  EXPECT_NE(checker.Report().find("not consecutive"), std::string::npos);
}

TEST_F(CheckerSelfTest, CatchesASignalSetBehindTheManagersBack) {
  // ObserveEngine reads the engine: a phase set directly on it, bypassing the
  // manager, is caught.
  sim::Engine engine(world_.net, world_.demand, sim::EngineOptions{});
  SignalManager signals(engine, std::move(control::MakeController("fixed")->controller),
                        Options(5, 10, 0, 15));
  SequenceChecker checker(*world_.net, chords_, {5, 10, 0});
  for (int t = 0; t < 30; ++t) {
    signals.BeforeStep();
    if (t == 20) engine.SetPhase(kCentre, kNorthEast);
    checker.ObserveEngine(engine);
    engine.Step();
  }
  EXPECT_GT(checker.violations(), 0);
  EXPECT_NE(checker.Report().find("(a) shows phase 5"), std::string::npos);
}

TEST_F(CheckerSelfTest, DriveCatchesARequestTheManagerDidNotAnswer) {
  // A request the manager never saw has no refusal event: Drive must notice.
  sim::Engine engine(world_.net, world_.demand, sim::EngineOptions{});
  auto log = std::make_shared<RequestLog>();
  SignalManager signals(engine, AskPhase(0, 1)(log, chords_), Options(5, 10, 0, 15));
  SequenceChecker checker(*world_.net, chords_, {5, 10, 0});
  DriveStats stats;
  Drive(engine, signals, checker, *log, chords_, 20, stats, [&](long long step) {
    if (step == 7) log->push_back({step, kCentre, 99, 1, 7});
  });
  EXPECT_EQ(stats.errors, 1);
  EXPECT_NE(stats.Report().find("unknown phase not logged as refused"), std::string::npos);
}

TEST(ChordConflicts, AgreesWithTheConflictTableOnEveryBundledNetwork) {
  // Two derivations (chords around the centre here, path intersections in
  // control/conflicts.cc) must agree on every pair of protected movements.
  for (const BundledCase& c : kBundled) {
    SCOPED_TRACE(c.name);
    const World& w = Bundled(c.roadnet, c.flow);
    ASSERT_TRUE(w.net);
    ChordConflicts chords(*w.net);
    ConflictTable table(*w.net);
    long long pairs = 0, conflicts = 0, disagreements = 0;
    for (const roadnet::Intersection& inter : w.net->intersections()) {
      if (!inter.signalised()) continue;
      for (RoadLinkId a : inter.road_links) {
        for (RoadLinkId b : inter.road_links) {
          if (!(a < b) || !chords.Protected(a) || !chords.Protected(b)) continue;
          ++pairs;
          conflicts += chords.Conflict(a, b) ? 1 : 0;
          disagreements += chords.Conflict(a, b) != table.Conflict(a, b) ? 1 : 0;
        }
      }
    }
    EXPECT_EQ(disagreements, 0);
    EXPECT_GT(conflicts, pairs / 2);  // far from vacuous
    EXPECT_LT(conflicts, pairs);
  }
}

}  // namespace
}  // namespace cb::signal
