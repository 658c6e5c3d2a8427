#include "base/geometry.h"

#include <algorithm>

namespace cb {

Point PointAlong(const std::vector<Point>& points, double distance_m) {
  if (points.empty()) return {};
  if (distance_m <= 0) return points.front();
  for (std::size_t i = 1; i < points.size(); ++i) {
    double segment = (points[i] - points[i - 1]).Length();
    if (distance_m > segment) {
      distance_m -= segment;
    } else {
      return points[i - 1] + (points[i] - points[i - 1]) * (segment > 0 ? distance_m / segment : 0.0);
    }
  }
  return points.back();
}

Point DirectionAlong(const std::vector<Point>& points, double distance_m) {
  if (points.size() < 2) return {1, 0};
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    double segment = (points[i + 1] - points[i]).Length();
    if (distance_m < segment) return (points[i + 1] - points[i]).Unit();
    distance_m -= segment;
  }
  return (points.back() - points[points.size() - 2]).Unit();
}

}  // namespace cb
