// Error paths of the SUMO route-file reader: every kind of bad input gives
// InvalidInput naming the file, the line, the element and what was expected.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "demand/sumo_routes.h"
#include "testing/tiny_network.h"

namespace cb::demand {
namespace {

std::string Lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

class SumoRoutesErrorTest : public ::testing::Test {
 protected:
  SumoRoutesErrorTest() : network_(std::move(*roadnet::BuildNetwork(testing::MakeCrossSpec()))) {}

  // The message of parsing `body` (lines 2.. of a <routes> file) as "t.rou.xml".
  std::string ErrorOf(const std::vector<std::string>& body, SumoDemandOptions options = {}) {
    std::vector<std::string> lines = {"<routes>"};
    lines.insert(lines.end(), body.begin(), body.end());
    lines.push_back("</routes>");
    return ErrorOfText(Lines(lines), options);
  }
  std::string ErrorOfText(const std::string& xml, SumoDemandOptions options = {}) {
    Result<SumoDemand> demand = ParseSumoRoutes(xml, "t.rou.xml", network_, options);
    EXPECT_FALSE(demand.ok()) << "parsed although expected to fail";
    if (demand.ok()) return "";
    EXPECT_EQ(demand.status().code(), Status::Code::kInvalidInput);
    return demand.status().message();
  }

  roadnet::Network network_;
};

// `message` starts with `prefix` and contains `what`.
void ExpectMessage(const std::string& message, const std::string& prefix, const std::string& what) {
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
  EXPECT_NE(message.find(what), std::string::npos) << message;
}

TEST_F(SumoRoutesErrorTest, MalformedXml) {
  // Truncated in the middle of an element.
  EXPECT_EQ(
      ErrorOfText("<routes>\n  <vehicle id='v' depart='0'>\n    <route edges='N_C C_S'/>\n"),
      "t.rou.xml:3: malformed XML: the text ends before every element is closed (truncated?), expected a "
      "well-formed XML document");
  ExpectMessage(ErrorOfText("<routes>\n  <trip id='a' depart='0' from='N_C' to='C_S'/>\n  <trip id='b\n"),
                "t.rou.xml:", "malformed XML");
  ExpectMessage(ErrorOfText("<routes>\n</vehicle>\n"), "t.rou.xml:2: malformed XML: ", "");
  ExpectMessage(ErrorOfText(""), "t.rou.xml:1: malformed XML: ", "");
  EXPECT_EQ(ErrorOfText("<configuration/>\n"),
            "t.rou.xml:1: root element <configuration>, expected <routes> (a SUMO route file)");
}

TEST_F(SumoRoutesErrorTest, UnknownEdges) {
  EXPECT_EQ(ErrorOf({"  <trip id='124779_406_0' depart='0' from='xyz' to='C_S'/>"}),
            "t.rou.xml:2: trip '124779_406_0': from edge 'xyz' is not in the network, expected an edge id of "
            "tiny-cross");
  ExpectMessage(ErrorOf({"  <trip id='t' depart='0' from='N_C' to='C_S' via='C_E nope'/>"}),
                "t.rou.xml:2: trip 't': ", "via edge 'nope' is not in the network");
  // In a nested route: the line of the route, the vehicle named.
  ExpectMessage(ErrorOf({"  <vehicle id='v' depart='0'>", "    <route edges='N_C  C_Z'/>", "  </vehicle>"}),
                "t.rou.xml:3: vehicle 'v': ", "route edge 'C_Z' is not in the network");
  // In a named route, even one no vehicle uses.
  ExpectMessage(ErrorOf({"  <route id='r' edges='Q N_C'/>"}),
                "t.rou.xml:2: route 'r': ", "route edge 'Q' is not in the network");
  // Also for a vehicle outside the time window.
  ExpectMessage(ErrorOf({"  <trip id='t' depart='5' from='N_C' to='C_Q'/>"}, {100, 200, 0}),
                "t.rou.xml:2: trip 't': ", "to edge 'C_Q' is not in the network");
}

TEST_F(SumoRoutesErrorTest, UnknownTypesAndRoutes) {
  EXPECT_EQ(ErrorOf({"  <vehicle id='v' type='lkw' depart='0' route='r'/>", "  <route id='r' edges='N_C'/>"}),
            "t.rou.xml:2: vehicle 'v': unknown vType 'lkw', expected the id of a <vType> in the route files");
  EXPECT_EQ(ErrorOf({"  <vehicle id='v' depart='0' route='r9'/>"}),
            "t.rou.xml:2: vehicle 'v': unknown route 'r9', expected the id of a <route> in the route files");
  ExpectMessage(ErrorOf({"  <flow id='f' begin='0' end='9' period='3' route='r9'/>"}),
                "t.rou.xml:2: flow 'f': ", "unknown route 'r9'");
}

TEST_F(SumoRoutesErrorTest, RoutesWithoutAMovementBetweenEdges) {
  // N_C -> C_N is a U-turn: the cross has no such movement.
  EXPECT_EQ(ErrorOf({"  <vehicle id='v' depart='0'>", "    <route edges='N_C C_N'/>", "  </vehicle>"}),
            "t.rou.xml:2: vehicle 'v': route: edges 'N_C' and 'C_N' (positions 1 and 2) are not joined by a "
            "movement in the network, expected each edge to connect to the next");
  // A named route is checked when a kept vehicle uses it; the message names both.
  EXPECT_EQ(
      ErrorOf({"  <route id='r' edges='W_C C_E E_C'/>", "  <vehicle id='v' depart='0' route='r'/>"}),
      "t.rou.xml:3: vehicle 'v': route 'r' (t.rou.xml:2): edges 'C_E' and 'E_C' (positions 2 and 3) are "
      "not joined by a movement in the network, expected each edge to connect to the next");
  // Not for vehicles outside the time window.
  Result<SumoDemand> skipped = ParseSumoRoutes(
      Lines({"<routes>", "  <vehicle id='v' depart='0'><route edges='N_C C_N'/></vehicle>", "</routes>"}),
      "t.rou.xml", network_, {10, 20, 0});
  ASSERT_TRUE(skipped.ok()) << skipped.status().message();
  EXPECT_EQ(skipped->report.before_begin, 1);
}

TEST_F(SumoRoutesErrorTest, BadDepartures) {
  struct Case {
    const char* depart;
    const char* what;
  };
  for (const Case& c :
       {Case{"abc", "depart 'abc' is not a time, expected seconds"}, Case{"", "depart '' is not a time"},
        Case{"nan", "depart 'nan' is not a time"}, Case{"inf", "depart 'inf' is not a time"},
        Case{"12s", "depart '12s' is not a time"}, Case{"1:2", "depart '1:2' is not a time"},
        Case{"-5", "depart '-5' is negative"}, Case{"triggered", "depart 'triggered' is not supported"},
        Case{"containerTriggered", "depart 'containerTriggered' is not supported"},
        Case{"now", "depart 'now' is not supported"}}) {
    ExpectMessage(ErrorOf({std::string("  <trip id='t' depart='") + c.depart + "' from='N_C' to='C_S'/>"}),
                  "t.rou.xml:2: trip 't': ", c.what);
  }
  ExpectMessage(ErrorOf({"  <trip id='t' depart='1e17' from='N_C' to='C_S'/>"}), "t.rou.xml:2: trip 't': ",
                "depart '1e17' is beyond 1000000000000 s, expected a time in seconds");
  EXPECT_EQ(ErrorOf({"  <trip id='t' from='N_C' to='C_S'/>"}),
            "t.rou.xml:2: trip 't': no depart, expected depart=\"<seconds>\"");
}

TEST_F(SumoRoutesErrorTest, BadVehicleTypes) {
  EXPECT_EQ(ErrorOf({"  <vType id='car' accel='-1'/>"}),
            "t.rou.xml:2: vType 'car': accel = -1 m/s^2 is out of range, expected 0.1 to 15 m/s^2 (a loaded "
            "truck (0.3) to a sports car (about 12))");
  ExpectMessage(ErrorOf({"  <vType id='car' length='NaN'/>"}),
                "t.rou.xml:2: vType 'car': ", "length 'NaN' is not a number, expected a number in 1 to 60 m");
  ExpectMessage(ErrorOf({"  <vType id='car' minGap='two'/>"}),
                "t.rou.xml:2: vType 'car': ", "minGap 'two' is not a number");
  ExpectMessage(ErrorOf({"  <vType id='car' tau='99'/>"}),
                "t.rou.xml:2: vType 'car': ", "tau = 99 s is out of range");
  ExpectMessage(ErrorOf({"  <vType id='car' maxSpeed='0'/>"}),
                "t.rou.xml:2: vType 'car': ", "maxSpeed = 0 m/s is out of range");
  // A unitless share: no unit, and no doubled space where it would be.
  ExpectMessage(ErrorOf({"  <vType id='car' sigma='1.5'/>"}),
                "t.rou.xml:2: vType 'car': ", "sigma = 1.5 is out of range, expected 0 to 1 (");
  ExpectMessage(
      ErrorOf({"  <vType id='walker' vClass='pedestrian'/>"}), "t.rou.xml:2: vType 'walker': ",
      "vClass 'pedestrian' is not a road vehicle class citybrain simulates, expected one of passenger");
  EXPECT_EQ(ErrorOf({"  <vType length='4'/>"}), "t.rou.xml:2: <vType>: no id, expected id=\"...\"");
  EXPECT_EQ(ErrorOf({"  <vType id='a'/>", "  <vType id='a'/>"}),
            "t.rou.xml:3: vType 'a': defined twice, expected unique vType ids");
  ExpectMessage(ErrorOf({"  <vTypeDistribution id='d'><vType id='a'/></vTypeDistribution>"}),
                "t.rou.xml:2: vTypeDistribution 'd': ", "<vTypeDistribution> is not supported");
}

TEST_F(SumoRoutesErrorTest, BadRoutes) {
  EXPECT_EQ(ErrorOf({"  <route id='r' edges='  '/>"}),
            "t.rou.xml:2: route 'r': route has no edges, expected edges=\"e1 e2 ...\"");
  EXPECT_EQ(ErrorOf({"  <route id='r'/>"}),
            "t.rou.xml:2: route 'r': route without edges, expected edges=\"e1 e2 ...\"");
  EXPECT_EQ(ErrorOf({"  <route edges='N_C'/>"}), "t.rou.xml:2: <route>: no id, expected id=\"...\"");
  EXPECT_EQ(ErrorOf({"  <route id='r' edges='N_C'/>", "  <route id='r' edges='W_C'/>"}),
            "t.rou.xml:3: route 'r': defined twice, expected unique route ids");
  ExpectMessage(ErrorOf({"  <route id='r' edges='N_C' repeat='2'/>"}),
                "t.rou.xml:2: route 'r': ", "route repeat '2' is not supported");
  ExpectMessage(ErrorOf({"  <routeDistribution id='d'/>"}),
                "t.rou.xml:2: routeDistribution 'd': ", "<routeDistribution> is not supported");
}

TEST_F(SumoRoutesErrorTest, VehiclesNeedOneRoute) {
  EXPECT_EQ(ErrorOf({"  <vehicle id='v' depart='0'/>"}),
            "t.rou.xml:2: vehicle 'v': no route, expected route=\"<id>\" or a nested <route edges=\"...\">");
  ExpectMessage(ErrorOf({"  <route id='r' edges='N_C'/>", "  <vehicle id='v' depart='0' route='r'>",
                         "    <route edges='N_C'/>", "  </vehicle>"}),
                "t.rou.xml:3: vehicle 'v': ", "more than one of route=, a nested <route> and from/to");
  ExpectMessage(ErrorOf({"  <trip id='t' depart='0' from='N_C'/>"}),
                "t.rou.xml:2: trip 't': ", "no to edge, expected both from=\"<edge>\" and to=\"<edge>\"");
  ExpectMessage(ErrorOf({"  <trip id='t' depart='0' fromJunction='N' toJunction='S'/>"}),
                "t.rou.xml:2: trip 't': ", "fromJunction is not supported");
  ExpectMessage(ErrorOf({"  <flow id='f' begin='0' end='9' period='3' fromTaz='a' toTaz='b'/>"}),
                "t.rou.xml:2: flow 'f': ", "fromTaz is not supported");
  EXPECT_EQ(ErrorOf({"  <vehicle depart='0'><route edges='N_C'/></vehicle>"}),
            "t.rou.xml:2: <vehicle>: no id, expected id=\"...\"");
  EXPECT_EQ(ErrorOf({"  <trip id='x' depart='0' from='N_C' to='C_S'/>",
                     "  <flow id='x' begin='0' end='9' period='3' from='N_C' to='C_S'/>"}),
            "t.rou.xml:3: flow 'x': id used twice, expected unique ids among vehicles, trips and flows");
}

TEST_F(SumoRoutesErrorTest, BadFlows) {
  const std::string route = " from='N_C' to='C_S'/>";
  struct Case {
    std::string attributes;
    std::string what;
  };
  const std::vector<Case> cases = {
      {"begin='0' end='10'", "no period, vehsPerHour, perHour, probability or number, expected one of them"},
      {"begin='0' end='10' period='2' vehsPerHour='100'", "more than one of period, vehsPerHour"},
      {"begin='0' end='10' period='2' number='3'", "both end and number with a period, rate or probability"},
      {"begin='0' end='10' period='0'", "period '0' is not positive, expected a positive number"},
      {"begin='0' end='10' period='-3'", "period '-3' is not positive"},
      {"begin='0' end='10' period='x'", "period 'x' is not a number"},
      {"begin='0' end='10' vehsPerHour='NaN'", "vehsPerHour 'NaN' is not a number"},
      {"begin='0' end='10' vehsPerHour='72000'",
       "period between vehicles = 0.05 s is out of range, expected 0.1 to 1000000000 s"},
      {"begin='0' end='10' number='-2'", "number '-2' is not a count, expected a whole number >= 0"},
      {"begin='0' end='10' number='2.5'", "number '2.5' is not a count"},
      {"begin='5' end='5' number='2'", "number without a period needs end > begin"},
      {"begin='0' end='10' probability='1.5'",
       "probability '1.5' is out of range, expected a probability in (0, 1]"},
      {"begin='0' end='10' probability='0'", "probability '0' is out of range"},
      {"begin='0' end='20000000' probability='0.1'",
       "a probability flow over 20000000 s, expected at most 10000000 s"},
      {"begin='20' end='10' period='2'", "end 10 s is before begin 20 s, expected end >= begin"},
      {"begin='-1' end='10' period='2'", "begin '-1' is negative"},
      {"begin='triggered' end='10' period='2'", "begin 'triggered' is not supported"},
      {"begin='0' end='soon' period='2'", "end 'soon' is not a time"},
      {"begin='0' end='1e300' period='2'", "end '1e300' is beyond 1000000000000 s"},
  };
  for (const Case& c : cases) {
    ExpectMessage(ErrorOf({"  <flow id='f' " + c.attributes + route}), "t.rou.xml:2: flow 'f': ", c.what);
  }
}

TEST_F(SumoRoutesErrorTest, FlowsBeyondTheDocumentedRanges) {
  // A flow whose last departure would lie beyond 1e9 s in the run.
  ExpectMessage(ErrorOf({"  <flow id='f' begin='0' period='1e9' number='3' from='N_C' to='C_S'/>"}),
                "t.rou.xml:2: flow 'f': ", "endTime");
}

TEST_F(SumoRoutesErrorTest, BadWindow) {
  Result<SumoDemand> demand = ParseSumoRoutes("<routes/>", "t.rou.xml", network_, {200, 100, 0});
  ASSERT_FALSE(demand.ok());
  EXPECT_EQ(demand.status().message(), "sumo demand: end 100 s is before begin 200 s, expected end >= begin");
  Result<SumoDemand> nan_begin =
      ParseSumoRoutes("<routes/>", "t.rou.xml", network_, {std::numeric_limits<double>::quiet_NaN(), 100, 0});
  ASSERT_FALSE(nan_begin.ok());
  EXPECT_NE(nan_begin.status().message().find("sumo demand: begin NaN s is not a time"), std::string::npos)
      << nan_begin.status().message();
}

}  // namespace
}  // namespace cb::demand
