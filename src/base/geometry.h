// Planar geometry helpers for the network model (metres, x east, y north).
#pragma once

#include <cmath>
#include <vector>

namespace cb {

struct Point {
  double x = 0;
  double y = 0;
  friend Point operator+(Point a, Point b) { return {a.x + b.x, a.y + b.y}; }
  friend Point operator-(Point a, Point b) { return {a.x - b.x, a.y - b.y}; }
  friend Point operator*(Point a, double s) { return {a.x * s, a.y * s}; }
  // Exact equality (a written file read back gives the same points bit for bit).
  friend bool operator==(Point a, Point b) = default;
  double Length() const { return std::sqrt(x * x + y * y); }
  Point Unit() const {
    double len = Length();
    return len > 0 ? Point{x / len, y / len} : Point{0, 0};
  }
  // The left-hand normal (rotated +90 degrees).
  Point Normal() const { return {-y, x}; }
};

inline double CrossProduct(Point a, Point b) { return a.x * b.y - a.y * b.x; }
inline double Dot(Point a, Point b) { return a.x * b.x + a.y * b.y; }

inline double PolylineLength(const std::vector<Point>& points) {
  double length = 0;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) length += (points[i + 1] - points[i]).Length();
  return length;
}

// Point at arc length `distance_m` along a polyline (clamped to its ends).
Point PointAlong(const std::vector<Point>& points, double distance_m);
// Unit direction of the polyline at arc length `distance_m`.
Point DirectionAlong(const std::vector<Point>& points, double distance_m);

// The convex hull of `points`, counter-clockwise, without repeated or collinear
// points. Fewer than 3 points come back when they are all on one line.
std::vector<Point> ConvexHull(std::vector<Point> points);

}  // namespace cb
