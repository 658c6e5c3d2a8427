// Tests of the .sumocfg reader: files resolved against the config's folder, the time
// window, SUMO's synonyms, and one test per kind of bad input.
#include "demand/sumo_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cb::demand {
namespace {

std::string Lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// The RESCO layout (cologne1.sumocfg).
const std::string kResco = Lines({
    "<configuration>",                              // 1
    "  <input>",                                    // 2
    "    <net-file value=\"cologne1.net.xml\"/>",   // 3
    "\t<route-files value=\"cologne1.rou.xml\"/>",  // 4
    "  </input>",                                   // 5
    "  <time>",                                     // 6
    "    <begin value=\"25200\"/>",                 // 7
    "    <end value=\"28800\"/>",                   // 8
    "  </time>",                                    // 9
    "</configuration>",                             // 10
});

TEST(SumoConfigTest, ReadsTheRescoLayout) {
  Result<SumoConfig> config = ParseSumoConfig(kResco, "data/cologne1/cologne1.sumocfg");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->path, "data/cologne1/cologne1.sumocfg");
  EXPECT_EQ(config->net_file, "data/cologne1/cologne1.net.xml");
  EXPECT_EQ(config->route_files, (std::vector<std::string>{"data/cologne1/cologne1.rou.xml"}));
  EXPECT_TRUE(config->additional_files.empty());
  EXPECT_DOUBLE_EQ(config->begin_s, 25200);
  EXPECT_DOUBLE_EQ(config->end_s, 28800);
  EXPECT_FALSE(config->step_length_s.has_value());
  SumoDemandOptions options = config->DemandOptions(9);
  EXPECT_DOUBLE_EQ(options.begin_s, 25200);
  EXPECT_DOUBLE_EQ(options.end_s, 28800);
  EXPECT_EQ(options.seed, 9u);
}

TEST(SumoConfigTest, SeveralFilesSynonymsAndPaths) {
  Result<SumoConfig> config =
      ParseSumoConfig(Lines({
                          "<configuration>",
                          "  <n value='../nets/city.net.xml'/>",
                          "  <input>",
                          "    <routes value='a.rou.xml, sub/b.rou.xml ,/abs/c.rou.xml'/>",
                          "    <additional value='tls.add.xml'/>",
                          "  </input>",
                          "  <time><b value='7:00:00'/><e value='-1'/>"
                          "<step-length value='0.5'/></time>",
                          "  <report><verbose value='true'/></report>",
                          "</configuration>",
                      }),
                      "scen/x.sumocfg");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->net_file, "nets/city.net.xml");
  EXPECT_EQ(config->route_files,
            (std::vector<std::string>{"scen/a.rou.xml", "scen/sub/b.rou.xml", "/abs/c.rou.xml"}));
  EXPECT_EQ(config->additional_files, (std::vector<std::string>{"scen/tls.add.xml"}));
  EXPECT_DOUBLE_EQ(config->begin_s, 25200);
  EXPECT_TRUE(std::isinf(config->end_s));  // -1: no end
  EXPECT_EQ(config->step_length_s, 0.5);
}

TEST(SumoConfigTest, DefaultsAndAConfigInTheWorkingFolder) {
  Result<SumoConfig> config = ParseSumoConfig(
      "<configuration><net-file value='n.net.xml'/><route-files value='r.rou.xml'/></configuration>",
      "plain.sumocfg");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->net_file, "n.net.xml");
  EXPECT_EQ(config->route_files, (std::vector<std::string>{"r.rou.xml"}));
  EXPECT_DOUBLE_EQ(config->begin_s, 0);
  EXPECT_TRUE(std::isinf(config->end_s));
}

TEST(SumoConfigTest, LoadsAFile) {
  const std::filesystem::path folder = std::filesystem::temp_directory_path() / "citybrain_sumo_config_test";
  std::filesystem::create_directories(folder);
  const std::string path = (folder / "c.sumocfg").string();
  std::ofstream(path) << kResco;
  Result<SumoConfig> config = LoadSumoConfig(path);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->net_file, (folder / "cologne1.net.xml").string());
  std::filesystem::remove_all(folder);

  Result<SumoConfig> missing = LoadSumoConfig("/nonexistent/x.sumocfg");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIoError);
}

std::string ErrorOf(const std::string& xml) {
  Result<SumoConfig> config = ParseSumoConfig(xml, "c.sumocfg");
  EXPECT_FALSE(config.ok()) << "parsed although expected to fail";
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), Status::Code::kInvalidInput);
  return config.status().message();
}

TEST(SumoConfigTest, Errors) {
  auto with = [](const std::string& input, const std::string& time) {
    return Lines({"<configuration>", "  <input>" + input + "</input>", "  <time>" + time + "</time>",
                  "</configuration>"});
  };
  const std::string files = "<net-file value='n.net.xml'/><route-files value='r.rou.xml'/>";
  EXPECT_EQ(ErrorOf(with("<route-files value='r.rou.xml'/>", "")),
            "c.sumocfg:1: no net-file, expected <net-file value=\"<name>.net.xml\"/> in <input>");
  EXPECT_EQ(ErrorOf(with("<net-file value='n.net.xml'/>", "")),
            "c.sumocfg:1: no route-files, expected <route-files value=\"<name>.rou.xml\"/> in <input> "
            "(citybrain reads its demand from them)");
  EXPECT_EQ(ErrorOf(with(files + "<net value='m.net.xml'/>", "")),
            "c.sumocfg:2: net-file given twice (also at line 2), expected it once");
  EXPECT_EQ(ErrorOf(with("<net-file/><route-files value='r.rou.xml'/>", "")),
            "c.sumocfg:2: <net-file> has no value, expected value=\"...\"");
  EXPECT_EQ(ErrorOf(with("<net-file value='n.net.xml'/><route-files value='a.rou.xml,,b.rou.xml'/>", "")),
            "c.sumocfg:2: <route-files> value 'a.rou.xml,,b.rou.xml' has an empty file name, expected file "
            "names separated by ','");
  EXPECT_EQ(ErrorOf(with("<net-file value='a.net.xml,b.net.xml'/><route-files value='r.rou.xml'/>", "")),
            "c.sumocfg:2: net-file names 2 files, expected one network file");
  EXPECT_EQ(ErrorOf(with(files, "<begin value='seven'/>")),
            "c.sumocfg:3: <begin> value 'seven' is not a time, expected seconds (e.g. 25200) or h:m:s");
  EXPECT_EQ(ErrorOf(with(files, "<end value='NaN'/>")),
            "c.sumocfg:3: <end> value 'NaN' is not a time, expected seconds (e.g. 25200) or h:m:s");
  EXPECT_EQ(ErrorOf(with(files, "<begin value='-5'/>")),
            "c.sumocfg:3: begin '-5' is negative, expected a time >= 0");
  EXPECT_EQ(ErrorOf(with(files, "<begin value='100'/><end value='50'/>")),
            "c.sumocfg:3: end '50' is before begin 100 s, expected end >= begin (or -1 for no end)");
  EXPECT_EQ(ErrorOf(with(files, "<step-length value='0'/>")),
            "c.sumocfg:3: step-length '0' is not positive, expected a step in seconds > 0");
  EXPECT_EQ(ErrorOf("<routes/>"),
            "c.sumocfg:1: root element <routes>, expected <configuration> (a SUMO .sumocfg)");
  const std::string truncated = ErrorOf("<configuration>\n  <input>\n    <net-file value='n.net.xml'/>\n");
  EXPECT_EQ(
      truncated,
      "c.sumocfg:3: malformed XML: the text ends before every element is closed (truncated?), expected a "
      "well-formed XML document");
}

}  // namespace
}  // namespace cb::demand
