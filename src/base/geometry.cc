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

std::vector<Point> ConvexHull(std::vector<Point> points) {
  // Andrew's monotone chain: sort by x then y, build the lower and upper chains.
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  points.erase(std::unique(points.begin(), points.end(),
                           [](const Point& a, const Point& b) { return a.x == b.x && a.y == b.y; }),
               points.end());
  if (points.size() < 3) return points;
  std::vector<Point> hull(2 * points.size());
  std::size_t k = 0;
  // Whether the chain's last point must go: it makes no left turn towards `p`.
  auto pop = [&](std::size_t lowest, const Point& p) {
    return k >= lowest && CrossProduct(hull[k - 1] - hull[k - 2], p - hull[k - 2]) <= 0;
  };
  for (const Point& p : points) {
    while (pop(2, p)) --k;
    hull[k++] = p;
  }
  const std::size_t lower = k + 1;
  for (std::size_t i = points.size() - 1; i-- > 0;) {
    while (pop(lower, points[i])) --k;
    hull[k++] = points[i];
  }
  hull.resize(k - 1);  // the last point repeats the first
  return hull;
}

}  // namespace cb
