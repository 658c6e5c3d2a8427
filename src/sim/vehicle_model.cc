#include "sim/vehicle_model.h"

#include <algorithm>
#include <cmath>

namespace cb::sim {

int ReachSteps(const demand::VehicleType& type, double speed, double distance_m, double target_speed,
               double dt) {
  if (distance_m <= 0) return 0;
  if (speed > target_speed) return static_cast<int>(std::ceil(distance_m / speed / dt));
  double acc = type.usual_pos_acc_mps2;
  // Distance covered while accelerating to the target speed, step by step.
  double until_target = 0;
  if (target_speed > speed) {
    int full_steps = static_cast<int>(std::floor((target_speed - speed) / acc / dt));
    double reached = speed + full_steps * acc * dt;
    until_target = (speed + reached) * (full_steps * dt) / 2 +
                   (reached < target_speed ? (reached + target_speed) * dt / 2 : 0);
  }
  if (until_target > distance_m) {
    return static_cast<int>(std::ceil((std::sqrt(speed * speed + 2 * acc * distance_m) - speed) / acc / dt));
  }
  return static_cast<int>(std::ceil((target_speed - speed) / acc / dt) +
                          std::ceil((distance_m - until_target) / target_speed / dt));
}

}  // namespace cb::sim
