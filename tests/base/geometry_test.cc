#include "base/geometry.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

bool Same(const Point& a, const Point& b) { return a.x == b.x && a.y == b.y; }

TEST(ConvexHull, KeepsTheCornersCounterClockwiseAndDropsInnerAndEdgePoints) {
  // A 4 x 2 rectangle with a point inside, one on an edge and a repeated corner.
  std::vector<Point> hull = ConvexHull({{4, 2}, {1, 1}, {0, 0}, {2, 0}, {4, 0}, {0, 2}, {4, 2}});
  ASSERT_EQ(hull.size(), 4u);
  EXPECT_TRUE(Same(hull[0], {0, 0}));
  EXPECT_TRUE(Same(hull[1], {4, 0}));
  EXPECT_TRUE(Same(hull[2], {4, 2}));
  EXPECT_TRUE(Same(hull[3], {0, 2}));
  for (std::size_t i = 0; i < hull.size(); ++i) {
    const Point& a = hull[i];
    const Point& b = hull[(i + 1) % hull.size()];
    const Point& c = hull[(i + 2) % hull.size()];
    EXPECT_GT(CrossProduct(b - a, c - b), 0) << i;  // every corner turns left
  }
}

TEST(ConvexHull, PointsOnOneLineHaveNoArea) {
  EXPECT_EQ(ConvexHull({{0, 0}, {1, 1}, {2, 2}, {3, 3}}).size(), 2u);
  EXPECT_EQ(ConvexHull({{5, 5}, {5, 5}}).size(), 1u);
  EXPECT_TRUE(ConvexHull({}).empty());
}

}  // namespace
}  // namespace cb
