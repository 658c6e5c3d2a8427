#include "signal/conflicts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "demand/scenario.h"
#include "roadnet/cbengine_roadnet.h"
#include "roadnet/cityflow_roadnet.h"
#include "testing/tiny_network.h"

namespace cb::signal {
namespace {

const std::string kData = CB_DATA_DIR;

// The tiny cross of testing/tiny_network.h. Road link index 3k + {0 straight,
// 1 left, 2 right} for approach k in N, E, S, W:
//
//                 N
//                 |
//        W ------ C ------ E      straight: N->S, E->W, S->N, W->E
//                 |               left:     N->E, E->S, S->W, W->N
//                 S               right:    N->W, E->N, S->E, W->S
enum Approach { kN = 0, kE = 1, kS = 2, kW = 3 };
int Straight(int k) { return 3 * k; }
int Left(int k) { return 3 * k + 1; }
int Right(int k) { return 3 * k + 2; }

// The cross with one more phase, 5: N straight and E straight together (plus the
// right turns), which must be recognised as unsafe.
constexpr PhaseIndex kNorthEastPhase = 5;
roadnet::Network MakeCross() {
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  roadnet::IntersectionSpec& centre = spec.intersections.back();
  EXPECT_EQ(centre.id, "C");
  roadnet::PhaseSpec unsafe{30, {Straight(kN), Straight(kE)}, "N+E"};
  for (int k = 0; k < 4; ++k) unsafe.green_road_links.push_back(Right(k));
  centre.phases.push_back(unsafe);
  auto net = roadnet::BuildNetwork(std::move(spec));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

class CrossConflicts : public ::testing::Test {
 protected:
  CrossConflicts() : net_(MakeCross()), table_(net_), centre_(*net_.FindIntersection("C")) {}
  RoadLinkId Link(int index) const { return net_.intersection(centre_).road_links[index]; }
  bool Conflict(int a, int b) const {
    // The relation must be symmetric: check both orders every time.
    bool ab = table_.Conflict(Link(a), Link(b));
    EXPECT_EQ(ab, table_.Conflict(Link(b), Link(a))) << a << " vs " << b;
    return ab;
  }
  roadnet::Network net_;
  ConflictTable table_;
  IntersectionId centre_;
};

TEST_F(CrossConflicts, TheFixtureIsWhatTheTestsAssume) {
  const roadnet::Intersection& c = net_.intersection(centre_);
  ASSERT_EQ(c.road_links.size(), 12u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(net_.road_link(Link(Straight(k))).turn, roadnet::TurnType::kStraight);
    EXPECT_EQ(net_.road_link(Link(Left(k))).turn, roadnet::TurnType::kLeft);
    EXPECT_EQ(net_.road_link(Link(Right(k))).turn, roadnet::TurnType::kRight);
  }
  EXPECT_EQ(net_.road(net_.road_link(Link(Straight(kN))).from).id, "N_C");
  EXPECT_EQ(net_.road(net_.road_link(Link(Straight(kN))).to).id, "C_S");
  EXPECT_EQ(net_.road(net_.road_link(Link(Left(kN))).to).id, "C_E");
  EXPECT_EQ(net_.road(net_.road_link(Link(Right(kN))).to).id, "C_W");
  EXPECT_EQ(c.clearance_phase, 0);
}

TEST_F(CrossConflicts, CrossingStraightsConflict) {
  for (int ns : {kN, kS}) {
    for (int ew : {kE, kW}) EXPECT_TRUE(Conflict(Straight(ns), Straight(ew))) << ns << " vs " << ew;
  }
}

TEST_F(CrossConflicts, OpposingStraightsDoNotConflict) {
  EXPECT_FALSE(Conflict(Straight(kN), Straight(kS)));
  EXPECT_FALSE(Conflict(Straight(kE), Straight(kW)));
}

TEST_F(CrossConflicts, LeftConflictsWithTheOpposingStraight) {
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(Conflict(Left(k), Straight((k + 2) % 4))) << "approach " << k;
}

TEST_F(CrossConflicts, LeftConflictsWithTheCrossingStraights) {
  // N left (to E) crosses the path of E->W and merges with W->E.
  EXPECT_TRUE(Conflict(Left(kN), Straight(kE)));
  EXPECT_TRUE(Conflict(Left(kN), Straight(kW)));
}

TEST_F(CrossConflicts, OpposingLeftsDoNotConflict) {
  // Right-hand traffic: the two left turns pass each other (CBEngine's phases 1
  // and 3, and CityFlow's phases 3 and 4, green them together).
  EXPECT_FALSE(Conflict(Left(kN), Left(kS)));
  EXPECT_FALSE(Conflict(Left(kE), Left(kW)));
}

TEST_F(CrossConflicts, MovementsFromOneApproachDoNotConflict) {
  for (int k = 0; k < 4; ++k) {
    EXPECT_FALSE(Conflict(Straight(k), Left(k))) << k;
    EXPECT_FALSE(Conflict(Straight(k), Right(k))) << k;
    EXPECT_FALSE(Conflict(Left(k), Right(k))) << k;
  }
}

TEST_F(CrossConflicts, AMovementDoesNotConflictWithItself) {
  for (int i = 0; i < 12; ++i) EXPECT_FALSE(table_.Conflict(Link(i), Link(i))) << i;
}

TEST_F(CrossConflicts, RightTurnsArePermissive) {
  for (int k = 0; k < 4; ++k) {
    EXPECT_TRUE(ConflictTable::Permissive(net_, Link(Right(k)))) << k;
    EXPECT_FALSE(ConflictTable::Permissive(net_, Link(Straight(k)))) << k;
    EXPECT_FALSE(ConflictTable::Permissive(net_, Link(Left(k)))) << k;
  }
  // W right (to S) merges with N straight (to S): a real conflict of paths...
  ASSERT_TRUE(Conflict(Right(kW), Straight(kN)));
  // ...but the right turn yields, so a phase may green both: the clearance phase
  // (all four rights) and phase 2 (N-S straight with all rights) are safe.
  EXPECT_TRUE(table_.PhaseIsSafe(centre_, 0));
  EXPECT_TRUE(table_.PhaseIsSafe(centre_, 2));
}

TEST_F(CrossConflicts, TheBundledPhasesAreSafeAndNorthPlusEastIsNot) {
  for (PhaseIndex p = 0; p <= 4; ++p) {
    EXPECT_TRUE(table_.PhaseIsSafe(centre_, p)) << "phase " << p;
    RoadLinkId a, b;
    EXPECT_FALSE(table_.FirstConflict(centre_, p, &a, &b)) << "phase " << p;
  }
  EXPECT_FALSE(table_.PhaseIsSafe(centre_, kNorthEastPhase));
  RoadLinkId a, b;
  ASSERT_TRUE(table_.FirstConflict(centre_, kNorthEastPhase, &a, &b));
  // The pair named is the two straights (never a permissive right turn).
  EXPECT_EQ(std::min(a, b), Link(Straight(kN)));
  EXPECT_EQ(std::max(a, b), Link(Straight(kE)));
}

TEST_F(CrossConflicts, EveryPairOfConflictingProtectedMovementsMakesAPhaseUnsafe) {
  // Build, for every pair of protected movements, a phase greening just those two
  // and check PhaseIsSafe agrees with Conflict: the phase check must not skip pairs.
  roadnet::NetworkSpec spec = testing::MakeCrossSpec(300);
  roadnet::IntersectionSpec& centre = spec.intersections.back();
  std::vector<std::pair<int, int>> pairs;
  for (int a = 0; a < 12; ++a) {
    for (int b = a + 1; b < 12; ++b) {
      if (a % 3 == 2 || b % 3 == 2) continue;  // right turns
      pairs.push_back({a, b});
      centre.phases.push_back(roadnet::PhaseSpec{30, {a, b}, ""});
    }
  }
  auto built = roadnet::BuildNetwork(std::move(spec));
  ASSERT_TRUE(built.ok()) << built.status().message();
  const roadnet::Network& net = *built;
  ConflictTable table(net);
  IntersectionId c = *net.FindIntersection("C");
  int unsafe = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    PhaseIndex p = static_cast<PhaseIndex>(5 + i);
    const auto& links = net.intersection(c).road_links;
    bool conflict = table.Conflict(links[pairs[i].first], links[pairs[i].second]);
    EXPECT_EQ(table.PhaseIsSafe(c, p), !conflict) << pairs[i].first << "+" << pairs[i].second;
    unsafe += conflict ? 1 : 0;
  }
  // 8 protected movements, 28 pairs. Safe: the 4 same-approach pairs, the 2
  // opposing straights and the 2 opposing lefts. Unsafe: 4 crossing straights,
  // 12 lefts against another approach's straight, 4 adjacent lefts.
  EXPECT_EQ(pairs.size(), 28u);
  EXPECT_EQ(unsafe, 20);
}

// ---------------------------------------------------------------------------
// Every bundled network.

const char* const kBundledNetworks[] = {
    "cityflow/hangzhou_4x4/roadnet_4_4.json",   "cityflow/jinan_3x4/roadnet_3_4.json",
    "cityflow/synthetic_3x3/roadnet_3_3.json",  "cityflow/synthetic_6x6/roadnet_6_6.json",
    "cityflow/examples/roadnet.json",           "citybrain_kddcup2021/roadnet_1x1.txt",
    "citybrain_kddcup2021/roadnet_warm_up.txt", "citybrain_kddcup2021/roadnet_round3.txt",
};

Result<roadnet::Network> LoadNetwork(const std::string& path) {
  auto format = demand::DetectFormat(path);
  if (!format.ok()) return format.status();
  auto spec = *format == demand::FileFormat::kCityflowJson ? roadnet::ParseCityflowRoadnet(path)
                                                           : roadnet::ParseCbengineRoadnet(path);
  if (!spec.ok()) return spec.status();
  return roadnet::BuildNetwork(std::move(spec).value());
}

TEST(BundledConflicts, EveryPhaseOfEveryBundledNetworkIsSafe) {
  for (const char* file : kBundledNetworks) {
    SCOPED_TRACE(file);
    auto net = LoadNetwork(kData + "/" + file);
    ASSERT_TRUE(net.ok()) << net.status().message();
    ConflictTable table(*net);
    int signals = 0, phases = 0;
    long long conflicting_pairs = 0;
    for (std::size_t i = 0; i < net->intersections().size(); ++i) {
      const roadnet::Intersection& inter = net->intersections()[i];
      if (!inter.signalised()) continue;
      ++signals;
      for (std::size_t p = 0; p < inter.phases.size(); ++p) {
        ++phases;
        EXPECT_TRUE(table.PhaseIsSafe(IntersectionId(i), static_cast<PhaseIndex>(p)))
            << "intersection " << inter.id << " phase " << p;
      }
      for (RoadLinkId a : inter.road_links) {
        for (RoadLinkId b : inter.road_links) conflicting_pairs += table.Conflict(a, b) ? 1 : 0;
      }
    }
    EXPECT_GT(signals, 0);
    EXPECT_GT(phases, signals);
    // Not vacuous: the table does find conflicts in this network.
    EXPECT_GT(conflicting_pairs, 0);
  }
}

TEST(BundledConflicts, CrossingStraightsOfABundledIntersectionMakeAnUnsafePhase) {
  // Hangzhou's intersections are 4-leg: greening every protected movement that
  // any of its phases greens, at once, must be unsafe at every signal.
  auto net = LoadNetwork(kData + "/cityflow/hangzhou_4x4/roadnet_4_4.json");
  ASSERT_TRUE(net.ok()) << net.status().message();
  ConflictTable table(*net);
  int checked = 0;
  for (std::size_t i = 0; i < net->intersections().size(); ++i) {
    const roadnet::Intersection& inter = net->intersections()[i];
    if (!inter.signalised()) continue;
    std::vector<RoadLinkId> protected_green;
    for (std::size_t k = 0; k < inter.road_links.size(); ++k) {
      bool green = false;
      for (const roadnet::Phase& p : inter.phases) green = green || p.green[k];
      if (green && !ConflictTable::Permissive(*net, inter.road_links[k])) {
        protected_green.push_back(inter.road_links[k]);
      }
    }
    bool any = false;
    for (RoadLinkId a : protected_green) {
      for (RoadLinkId b : protected_green) any = any || table.Conflict(a, b);
    }
    EXPECT_TRUE(any) << inter.id;
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

}  // namespace
}  // namespace cb::signal
