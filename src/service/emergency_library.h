// The service's EmergencyDispatcher over the emergency-priority library
// (src/emergency: emergency::Preemptor). Built only when the build has the
// cb_emergency target; MakeDefaultDispatcher (emergency.h) then prefers it.
//
// Each POST /api/v1/emergency becomes an emergency::Dispatch at the current
// simulated time with the next dispatch id; the Preemptor routes it on live
// travel times, pre-empts the signals on its path through the SignalManager and
// hands them back after it passed. Arrivals are reported as events.
// Thread-safety: as EmergencyDispatcher (under the service's engine mutex).
#pragma once

#include <memory>

#include "service/emergency.h"

namespace cb::service {

std::unique_ptr<EmergencyDispatcher> MakeLibraryDispatcher(sim::Engine& engine,
                                                           control::SignalManager& signals);

}  // namespace cb::service
