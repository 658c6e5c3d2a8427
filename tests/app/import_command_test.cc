// Tests of `citybrain import osm` (apps/citybrain/import_command.h) end to end on the
// hand-made 2x2 block data/osm/block2x2.osm (4 junctions, one tagged
// highway=traffic_signals, 8 dead-end legs): netconvert converts it, the trips and the
// .sumocfg are written, and the scenario loads and runs. Plus the error paths. The
// end-to-end tests are skipped, saying why, only when netconvert is not installed.
#include "import_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "demand/scenario.h"
#include "run_command.h"

namespace cb::app {
namespace {

namespace fs = std::filesystem;

const std::string kBlockOsm = std::string(CB_DATA_DIR) + "/osm/block2x2.osm";

bool HaveNetconvert() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && access((fs::path(dir) / "netconvert").c_str(), X_OK) == 0) return true;
  }
  return false;
}

#define SKIP_WITHOUT_NETCONVERT()                                                                            \
  if (!HaveNetconvert())                                                                                     \
  GTEST_SKIP() << "netconvert is not installed (apt-get install sumo, or scripts/setup.sh); the OSM import " \
                  "needs it"

// A fresh folder under the test's temporary directory; its name has a space and a
// quote, as a user's might.
fs::path FreshDir(const std::string& leaf) {
  fs::path dir = fs::path(::testing::TempDir()) / "citybrain import osm" / (leaf + " it's");
  fs::remove_all(dir);
  return dir;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long long Count(const std::string& text, const std::string& what) {
  long long n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ImportOsm, BlockEndToEndRunsWithItsSignal) {
  SKIP_WITHOUT_NETCONVERT();
  const fs::path dir = FreshDir("block") / "nested";  // created, parents too
  ImportOsmSettings settings;
  settings.osm_file = kBlockOsm;
  settings.out_dir = dir.string();
  settings.rate_veh_per_hour = 600;
  settings.duration_s = 1200;
  settings.seed = 5;
  auto report = ImportOsm(settings);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->net_file, (dir / "block2x2.net.xml").string());
  EXPECT_EQ(report->config_file, (dir / "block2x2.sumocfg").string());
  // The four corners of the block; netconvert keeps the one traffic signal.
  EXPECT_EQ(report->junctions, 4);
  EXPECT_EQ(report->signals, 1);
  // 4 ways of 3 segments each, both directions.
  EXPECT_EQ(report->edges, 24);
  EXPECT_EQ(report->entries, 8);
  EXPECT_EQ(report->exits, 8);
  EXPECT_EQ(report->connectable_pairs, 64);
  EXPECT_EQ(report->trips, 200);  // 600/h for 1200 s
  const std::string routes = ReadAll(report->routes_file);
  EXPECT_EQ(Count(routes, "<trip "), 200);
  EXPECT_NE(routes.find("<trip id=\"t199\" depart=\"1194.00\""), std::string::npos);
  EXPECT_NE(ReadAll(report->net_file).find("name=\"Südliche Straße\""), std::string::npos);  // street names
  const std::string text = ImportOsmText(*report);
  EXPECT_NE(text.find("4 junctions, 1 signals, 24 edges"), std::string::npos) << text;
  EXPECT_NE(text.find("200 trips"), std::string::npos) << text;

  // The config loads as any .sumocfg does, with its window.
  auto scenario = demand::LoadConfig(report->config_file);
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  EXPECT_EQ(scenario->network->signalised_count(), 1);

  RunSettings run;
  run.config = report->config_file;
  run.controller = "maxpressure";
  run.progress = false;
  auto ran = RunScenario(run);
  ASSERT_TRUE(ran.ok()) << ran.status().message();
  EXPECT_EQ(ran->duration_s, 1200);
  EXPECT_EQ(ran->signals, 1);
  const metrics::Summary& s = ran->summary;
  EXPECT_EQ(s.vehicles_released, 200);
  EXPECT_EQ(s.vehicles_released, s.vehicles_finished + s.vehicles_running + s.vehicles_waiting_to_enter);
  EXPECT_GT(s.vehicles_finished, 150);
  EXPECT_EQ(ran->safety_violations, 0);
}

TEST(ImportOsm, SameSeedSameFilesOtherSeedOtherTrips) {
  SKIP_WITHOUT_NETCONVERT();
  ImportOsmSettings settings;
  settings.osm_file = kBlockOsm;
  settings.name = "a";
  settings.out_dir = FreshDir("seeds").string();
  settings.seed = 11;
  ASSERT_TRUE(ImportOsm(settings).ok());
  settings.name = "b";
  ASSERT_TRUE(ImportOsm(settings).ok());
  settings.name = "c";
  settings.seed = 12;
  ASSERT_TRUE(ImportOsm(settings).ok());
  const fs::path dir = settings.out_dir;
  EXPECT_EQ(ReadAll(dir / "a.rou.xml"), ReadAll(dir / "b.rou.xml"));
  EXPECT_NE(ReadAll(dir / "a.rou.xml"), ReadAll(dir / "c.rou.xml"));
  // netconvert is deterministic too, after its header (date, output file name).
  const std::string net_a = ReadAll(dir / "a.net.xml"), net_b = ReadAll(dir / "b.net.xml");
  ASSERT_NE(net_a.find("<net "), std::string::npos);
  EXPECT_EQ(net_a.substr(net_a.find("<net ")), net_b.substr(net_b.find("<net ")));
  EXPECT_NE(ReadAll(dir / "a.sumocfg").find("<net-file value=\"a.net.xml\"/>"), std::string::npos);
}

TEST(ImportOsm, MissingInputFile) {
  ImportOsmSettings settings;
  settings.osm_file = std::string(CB_DATA_DIR) + "/osm/no such map.osm";
  settings.out_dir = FreshDir("missing").string();
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().message(), "import osm: " + settings.osm_file + ": no such file");
}

TEST(ImportOsm, NotAnOsmFileSurfacesNetconvertsError) {
  SKIP_WITHOUT_NETCONVERT();
  const fs::path dir = FreshDir("junk");
  fs::create_directories(dir);
  const fs::path junk = dir / "junk \"map\".osm";
  std::ofstream(junk) << "hello, this is not XML\n";
  ImportOsmSettings settings;
  settings.osm_file = junk.string();
  settings.out_dir = (dir / "out").string();
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  const std::string& m = report.status().message();
  EXPECT_NE(m.find("netconvert could not convert " + junk.string()), std::string::npos) << m;
  EXPECT_NE(m.find("exit code 1"), std::string::npos) << m;
  EXPECT_NE(m.find("Error: invalid document structure"), std::string::npos) << m;
}

TEST(ImportOsm, OsmWithoutRoadsSurfacesNetconvertsError) {
  SKIP_WITHOUT_NETCONVERT();
  const fs::path dir = FreshDir("empty");
  fs::create_directories(dir);
  std::ofstream(dir / "empty.osm") << "<osm version=\"0.6\"></osm>\n";
  ImportOsmSettings settings;
  settings.osm_file = (dir / "empty.osm").string();
  settings.out_dir = (dir / "out").string();
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("Error: No nodes loaded."), std::string::npos)
      << report.status().message();
}

TEST(ImportOsm, IsolatedRingLeavesNoRoads) {
  SKIP_WITHOUT_NETCONVERT();
  // A one-way ring of four streets: no dead end, so no road to enter or leave by;
  // netconvert's --remove-edges.isolated drops it whole. (A network with roads but
  // no boundary is refused by the trip writer: tests/demand/random_trips_test.cc.)
  const fs::path dir = FreshDir("ring");
  fs::create_directories(dir);
  std::ofstream(dir / "ring.osm") << R"(<osm version="0.6">
  <node id="1" lat="48.1370" lon="11.5750"/> <node id="2" lat="48.1370" lon="11.5780"/>
  <node id="3" lat="48.1390" lon="11.5780"/> <node id="4" lat="48.1390" lon="11.5750"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
</osm>
)";
  ImportOsmSettings settings;
  settings.osm_file = (dir / "ring.osm").string();
  settings.out_dir = (dir / "out").string();
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("the network has no roads"), std::string::npos)
      << report.status().message();
}

TEST(ImportOsm, NetconvertNotInstalledSaysHowToGetIt) {
  ImportOsmSettings settings;
  settings.osm_file = kBlockOsm;
  settings.out_dir = FreshDir("nonetconvert").string();
  settings.netconvert = "/nonexistent/bin/netconvert";
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("netconvert not found"), std::string::npos)
      << report.status().message();
  EXPECT_NE(report.status().message().find("apt-get install sumo"), std::string::npos);
  EXPECT_NE(report.status().message().find("scripts/setup.sh"), std::string::npos);
}

TEST(ImportOsm, OutputFolderThatCannotBeCreated) {
  const fs::path dir = FreshDir("blocked");
  fs::create_directories(dir);
  std::ofstream(dir / "a file") << "in the way\n";
  ImportOsmSettings settings;
  settings.osm_file = kBlockOsm;
  settings.out_dir = (dir / "a file" / "out").string();
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("cannot create the output folder"), std::string::npos)
      << report.status().message();
}

TEST(ImportOsm, BadRateRefusedBeforeNetconvertRuns) {
  ImportOsmSettings settings;
  settings.osm_file = kBlockOsm;
  settings.out_dir = FreshDir("rate").string();
  settings.rate_veh_per_hour = 0;
  auto report = ImportOsm(settings);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("--rate"), std::string::npos);
  EXPECT_FALSE(fs::exists(fs::path(settings.out_dir) / "block2x2.net.xml"));
}

TEST(ImportOsm, NetconvertArgumentsFollowSumosGuide) {
  const std::vector<std::string> args = NetconvertOsmArguments("in put.osm", "out \"x\".net.xml");
  ASSERT_GE(args.size(), 4u);
  EXPECT_EQ(args[0], "--osm-files");
  EXPECT_EQ(args[1], "in put.osm");  // one argument, no quoting: no shell is involved
  EXPECT_EQ(args[3], "out \"x\".net.xml");
  for (const char* option : {"--geometry.remove", "--ramps.guess", "--junctions.join", "--tls.guess-signals",
                             "--tls.discard-simple", "--tls.join", "--no-turnarounds",
                             "--output.street-names", "--remove-edges.isolated"}) {
    EXPECT_NE(std::find(args.begin(), args.end(), option), args.end()) << option;
  }
}

}  // namespace
}  // namespace cb::app
