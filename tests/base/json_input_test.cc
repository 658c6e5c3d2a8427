#include "base/json_input.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

// The message of a failed status, or "ok".
std::string Message(const Status& status) { return status.ok() ? "ok" : status.message(); }

TEST(JsonInput, MalformedJsonNamesSourceLineAndColumn) {
  auto json = ParseJson("{\n  \"a\": 1,\n  \"b\": }", "request body");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message().rfind("request body:3:", 0), 0u) << json.status().message();
  auto truncated = ParseJson("{\"a\": [1, 2", "flow.json");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
}

// Regression (found by fuzz/cityflow_roadnet): a number beyond the range of a double
// made nlohmann throw out_of_range, which ParseJson let through, so "1e400" in any
// JSON input crashed the reader instead of being reported.
TEST(JsonInput, NumberBeyondDoubleRangeIsAnErrorWithItsPlace) {
  Result<Json> json = Status::Internal("not parsed");
  ASSERT_NO_THROW(json = ParseJson("1e388", "roadnet.json"));
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(json.status().message(),
            "roadnet.json:1:1: number '1e388' is out of range, expected a number within +-1.7e308");
  ASSERT_NO_THROW(json = ParseJson("{\"a\": 1,\n \"speed\": -2e400}", "request body"));
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message(),
            "request body:2:11: number '-2e400' is out of range, expected a number within +-1.7e308");
  // The largest doubles are still numbers.
  ASSERT_TRUE(ParseJson("[1.7e308, -1.7e308, 4.9e-324, 1e-400]", "x").ok());
}

TEST(JsonInput, MembersAreNamedByTheirPathOrAsFieldsOfTheRoot) {
  const Json body = Json::parse(R"({"phase": "two", "roads": [{"speed": true}]})");
  long long phase = 0;
  EXPECT_EQ(Message(GetIntInRange(body, "phase", "", 0, 10, &phase)),
            "field 'phase': expected an integer, found string");
  double speed = 0;
  EXPECT_EQ(Message(GetDouble(body["roads"][0], "speed", "roads[0]", &speed)),
            "roads[0].speed: expected a number, found boolean");
  EXPECT_EQ(Message(GetDoubleInRange(body, "duration_s", "", 1, 3600, &speed)),
            "missing field 'duration_s', expected a number");
  EXPECT_EQ(Message(GetDouble(body["roads"][0], "length", "roads[0]", &speed)),
            "roads[0]: missing field 'length', expected a number");
  EXPECT_EQ(MemberPath("", "lanes"), "field 'lanes'");
  EXPECT_EQ(MemberPath("lanes[2]", "count"), "lanes[2].count");
}

TEST(JsonInput, IntegersInRange) {
  const Json body = Json::parse(R"({"a": 7, "low": -1, "huge": 18446744073709551615, "real": 2.5})");
  long long x = -5;
  EXPECT_TRUE(GetIntInRange(body, "a", "", 0, 7, &x).ok());
  EXPECT_EQ(x, 7);
  EXPECT_EQ(Message(GetIntInRange(body, "low", "", 0, 7, &x)), "field 'low': must be in 0..7");
  // Above the signed range: out of range, not wrapped round to a negative number.
  EXPECT_EQ(Message(GetIntInRange(body, "huge", "", 0, 1 << 20, &x)), "field 'huge': must be in 0..1048576");
  EXPECT_EQ(Message(GetIntInRange(body, "real", "", 0, 7, &x)),
            "field 'real': expected an integer, found number");
  EXPECT_EQ(x, 7);  // untouched by the failures
  EXPECT_TRUE(GetOptionalIntInRange(body, "absent", "", 0, 7, 3, &x).ok());
  EXPECT_EQ(x, 3);
  EXPECT_EQ(Message(GetOptionalIntInRange(body, "low", "", 0, 7, 3, &x)), "field 'low': must be in 0..7");
  EXPECT_EQ(Message(ReadIntInRange(body["a"], "lanes[0].lane", 0, 3, &x)), "lanes[0].lane: must be in 0..3");
}

TEST(JsonInput, NumbersInRange) {
  const Json body = Json::parse(R"({"d": 60, "small": 0.001, "text": "max"})");
  double d = 0;
  EXPECT_TRUE(GetDoubleInRange(body, "d", "", 1, 3600, &d).ok());
  EXPECT_EQ(d, 60);
  EXPECT_EQ(Message(GetDoubleInRange(body, "small", "", 0.01, 100000, &d)),
            "field 'small': must be in 0.01..100000");
  EXPECT_EQ(Message(ReadDoubleInRange(body["text"], "field 'speed'", 0.01, 100000, &d)),
            "field 'speed': expected a number, found string");
  EXPECT_EQ(d, 60);
}

TEST(JsonInput, OptionalStringsSayWhetherTheyWereThere) {
  const Json body = Json::parse(R"({"action": "pause", "n": 1})");
  std::string action = "none";
  bool found = true;
  EXPECT_TRUE(GetOptionalString(body, "intersection", "", &action, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(action, "none");
  EXPECT_TRUE(GetOptionalString(body, "action", "", &action, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(action, "pause");
  EXPECT_EQ(Message(GetOptionalString(body, "n", "", &action, &found)),
            "field 'n': expected a string, found number");
  EXPECT_EQ(FindMember(body, "n"), &body["n"]);
  EXPECT_EQ(FindMember(body, "m"), nullptr);
  EXPECT_EQ(FindMember(Json::array(), "n"), nullptr);
}

}  // namespace
}  // namespace cb
