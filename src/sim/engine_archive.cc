// Engine::SaveState / LoadState: the whole EngineState as a binary stream.
//
// Layout: the magic "CBSTATE2", a fingerprint of what the state belongs to (the
// compiled network's drivables and lanes, the flows' paths, the step and the
// lane-change setting), then every field of EngineState in the order VisitState
// lists them: scalars as their bytes, vectors as a 64-bit length and their
// elements, vectors of vectors likewise. Native byte order: an archive is for the
// machine (and build) that wrote it, like the engine it came from.
#include <cstring>
#include <istream>
#include <ostream>
#include <type_traits>
#include <utility>

#include "sim/engine.h"
#include "sim/engine_state.h"

namespace cb::sim {
namespace {

using internal::CompiledNetwork;
using internal::EngineState;

constexpr char kMagic[8] = {'C', 'B', 'S', 'T',
                            'A', 'T', 'E', '2'};  // 2: decisions as one record per vehicle
// The most elements a vector of an archive may claim: refuses a corrupt length
// before it allocates.
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

// Every field of EngineState, once. A field added to EngineState must be added
// here too: the size check below fails the build until it is.
template <class State, class F>
void VisitState(State& s, F&& f) {
  f(s.step), f(s.vehicles_released), f(s.vehicles_entered), f(s.vehicles_running), f(s.vehicles_waiting);
  f(s.vehicles_finished), f(s.vehicle_updates), f(s.vehicles_refused);
  f(s.phase), f(s.green), f(s.intersection_passed), f(s.road_link_passed);
  f(s.types), f(s.approach_m), f(s.extra_paths), f(s.extra_path_rest_free_s), f(s.notices);
  f(s.on), f(s.front), f(s.back), f(s.entry_queue), f(s.entry_head);
  f(s.flow_clock), f(s.flows_started), f(s.flows_active), f(s.flow_accumulated), f(s.flow_released);
  f(s.dis), f(s.speed), f(s.gap), f(s.release_time), f(s.enter_time), f(s.finish_time), f(s.free_flow_s);
  f(s.speed_cap);
  f(s.drivable), f(s.prev_drivable), f(s.path_pos), f(s.path_offset), f(s.path_length), f(s.leader);
  f(s.blocker), f(s.priority), f(s.type), f(s.flow), f(s.enter_link_step), f(s.state);
  f(s.next);
  f(s.change_to), f(s.change_offset_m), f(s.last_change_s), f(s.strategic_wait_s), f(s.side_leader);
  f(s.side_gap), f(s.signal_from), f(s.lane_flags), f(s.candidate), f(s.needs_change_on), f(s.guests);
  f(s.changing), f(s.signalled), f(s.lane_changes_started), f(s.lane_changes_finished);
  f(s.lane_changes_aborted), f(s.siren_flags), f(s.pass_gap_m), f(s.sirens), f(s.flagged);
  f(s.running), f(s.arrivals), f(s.dirty);
  f(s.finished_travel_s), f(s.finished_flow_travel_s), f(s.finished_delay_ratio), f(s.finished_time_loss_s);
  f(s.finished_duration_s);
}
// A tripwire, not a promise about layout: on LP64 the size of EngineState with the
// fields listed above. When EngineState changes, revisit VisitState and this number.
static_assert(
    sizeof(void*) != 8 || sizeof(EngineState) == 1536,
    "EngineState changed: list the new field in VisitState (engine_archive.cc), then update this size");

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
// std::pair is not trivially copyable (its assignment is user-provided): its two
// members are, and are written one after the other.
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};

struct Writer {
  std::ostream& out;
  void Bytes(const void* data, std::size_t n) {
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  }
  template <class T>
  void operator()(const T& value) {
    if constexpr (IsVector<T>::value) {
      const uint64_t n = value.size();
      Bytes(&n, sizeof n);
      using E = typename T::value_type;
      if constexpr (IsVector<E>::value || IsPair<E>::value) {
        for (const E& e : value) (*this)(e);
      } else {
        static_assert(std::is_trivially_copyable_v<E>);
        if (n > 0) Bytes(value.data(), n * sizeof(E));
      }
    } else if constexpr (IsPair<T>::value) {
      (*this)(value.first), (*this)(value.second);
    } else {
      static_assert(std::is_trivially_copyable_v<T>);
      Bytes(&value, sizeof value);
    }
  }
};

struct Reader {
  std::istream& in;
  bool failed = false;
  bool Bytes(void* data, std::size_t n) {
    if (failed) return false;
    in.read(static_cast<char*>(data), static_cast<std::streamsize>(n));
    failed = static_cast<std::size_t>(in.gcount()) != n;
    return !failed;
  }
  template <class T>
  void operator()(T& value) {
    if constexpr (IsVector<T>::value) {
      uint64_t n = 0;
      if (!Bytes(&n, sizeof n)) return;
      if (n > kMaxElements) {
        failed = true;
        return;
      }
      using E = typename T::value_type;
      value.resize(n);
      if constexpr (IsVector<E>::value || IsPair<E>::value) {
        for (E& e : value) (*this)(e);
      } else {
        if (n > 0) Bytes(value.data(), n * sizeof(E));
      }
    } else if constexpr (IsPair<T>::value) {
      (*this)(value.first), (*this)(value.second);
    } else {
      Bytes(&value, sizeof value);
    }
  }
};

struct Fingerprint {
  uint64_t drivables = 0, lanes = 0, flows = 0, paths = 0;
  double step_s = 0;
  uint64_t lane_change = 0;
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

Fingerprint FingerprintOf(const CompiledNetwork& c, const EngineOptions& options) {
  return Fingerprint{c.length.size(), c.lane_count,   c.flow_paths.size(),
                     c.paths.size(),  options.step_s, options.lane_change ? 1u : 0u};
}

}  // namespace

Status Engine::SaveState(std::ostream& out) const {
  Writer w{out};
  w.Bytes(kMagic, sizeof kMagic);
  const Fingerprint f = FingerprintOf(*compiled_, options_);
  w(f);
  VisitState(*state_, w);
  if (!out) return Status::InvalidInput("could not write the engine state");
  return Status::Ok();
}

Status Engine::LoadState(std::istream& in, const std::string& source) {
  Reader r{in};
  char magic[sizeof kMagic] = {};
  if (!r.Bytes(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    return Status::InvalidInput(source +
                                ": not a citybrain engine archive (expected it to start with CBSTATE2)");
  Fingerprint f;
  r(f);
  if (r.failed) return Status::InvalidInput(source + ": the archive ends inside its header");
  if (!(f == FingerprintOf(*compiled_, options_)))
    return Status::InvalidInput(source +
                                ": the archive was saved from another network, demand, step length or "
                                "lane-change setting (expected the engine's own)");
  EngineState loaded;
  VisitState(loaded, r);
  if (r.failed) return Status::InvalidInput(source + ": the archive is truncated or corrupt");
  // Sizes that the step indexes by network, not by vehicle: a corrupt file must not
  // make the next step read out of bounds.
  const std::size_t drivables = compiled_->length.size();
  const std::size_t vehicles = loaded.vehicles_released;
  bool sizes_ok =
      loaded.on.size() == drivables && loaded.front.size() == drivables && loaded.back.size() == drivables &&
      loaded.dirty.size() == drivables && loaded.entry_queue.size() == compiled_->lane_count &&
      loaded.entry_head.size() == compiled_->lane_count && loaded.phase.size() == state_->phase.size() &&
      loaded.green.size() == state_->green.size() && loaded.notices.size() == state_->notices.size() &&
      loaded.flow_released.size() == state_->flow_released.size() && loaded.dis.size() == vehicles &&
      loaded.state.size() == vehicles && loaded.drivable.size() == vehicles && loaded.type.size() == vehicles;
  if (!sizes_ok) return Status::InvalidInput(source + ": the archive's arrays do not match the network");
  *state_ = std::move(loaded);
  return Status::Ok();
}

}  // namespace cb::sim
