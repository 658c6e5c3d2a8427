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

TEST(JsonInput, BuildsTheSameDocumentAsNlohmann) {
  const std::string text = R"({"a": [1, -2, 3.5, 18446744073709551615, true, null, "x\u00e9\ud83d\ude91"],
    "b": {"c": {}, "d": [], "e": [[1], {"f": "g"}]}, "a2": "dup", "a2": "last", "\u0000": 0})";
  auto parsed = ParseJson(text, "doc");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, Json::parse(text));
  EXPECT_EQ((*parsed)["a2"], "last");
  for (const char* scalar : {"7", "\"s\"", "null", " false ", "-0.5e3"}) {
    auto one = ParseJson(scalar, "scalar");
    ASSERT_TRUE(one.ok()) << scalar;
    EXPECT_EQ(*one, Json::parse(scalar));
  }
}

// Every failure is InvalidInput at a position; none escapes as an exception (a
// number overflow used to escape as nlohmann's out_of_range).
TEST(JsonInput, EveryParseFailureIsInvalidInputWithItsPosition) {
  struct Case {
    std::string text;
    std::string prefix;    // source:line:column
    std::string contains;  // part of the reason
  };
  const Case cases[] = {
      {R"({"speed": 1e999})", "body:1:", "number overflow"},
      {"{\n \"speed\": -1e999}", "body:2:", "number overflow"},
      {"{\"a\": \"\xFF\xFE\"}", "body:1:", "UTF-8"},
      {"{\"a\": \"\xED\xA0\x80\"}", "body:1:", "UTF-8"},  // an encoded surrogate
      {R"({"a": "\ud800"})", "body:1:", "surrogate"},     // an unpaired escaped one
      {"\xEF\xBB\xBF\xFF", "body:1:", "malformed JSON"},
      {R"({"a": NaN})", "body:1:", "invalid literal"},
      {R"({"a": 01})", "body:1:", ""},
      {"", "body:1:1:", "truncated"},
      {"{} {}", "body:1:", "end of input"},
  };
  for (const Case& c : cases) {
    Result<Json> json = Result<Json>(Status::Internal("not run"));
    EXPECT_NO_THROW(json = ParseJson(c.text, "body")) << c.text;
    ASSERT_FALSE(json.ok()) << c.text;
    EXPECT_EQ(json.status().code(), Status::Code::kInvalidInput) << c.text;
    const std::string& message = json.status().message();
    EXPECT_EQ(message.rfind(c.prefix, 0), 0u) << message;
    EXPECT_NE(message.find(c.contains), std::string::npos) << message;
    EXPECT_NO_THROW(Json(message).dump()) << "the message must be valid UTF-8: " << message;
  }
  auto overflow = ParseJson("{\n  \"a\": [1,\n   1e400]}", "f.json");
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().message().rfind("f.json:3:", 0), 0u) << overflow.status().message();
}

TEST(JsonInput, DeepNestingIsRefusedWithoutExhaustingTheStack) {
  const std::size_t max = kMaxJsonDepth;
  auto at_limit = ParseJson(std::string(max, '[') + std::string(max, ']'), "body");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  EXPECT_TRUE(at_limit->is_array());
  auto over = ParseJson(std::string(max + 1, '[') + std::string(max + 1, ']'), "body");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(), "body:1:" + std::to_string(max + 1) +
                                         ": malformed JSON: arrays and objects nested deeper than " +
                                         std::to_string(max) + " levels");
  // A million levels, never closed, of both kinds; and brackets inside strings do not count.
  std::string deep;
  for (int i = 0; i < 500000; ++i) deep += "{\"k\":[";
  auto huge = ParseJson(deep, "body");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("nested deeper"), std::string::npos) << huge.status().message();
  auto quoted = ParseJson("[\"" + std::string(100000, '[') + "\"]", "body");
  ASSERT_TRUE(quoted.ok()) << quoted.status().message();
}

// A number too large for a double is refused as input, not thrown as an internal error.
TEST(JsonInput, OverflowingNumberIsMalformedInput) {
  auto json = ParseJson("[{\"length\": 1e400}]", "flow.json");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(json.status().message().rfind("flow.json:1:", 0), 0u) << json.status().message();
  EXPECT_NE(json.status().message().find("number overflow parsing '1e400'"), std::string::npos)
      << json.status().message();
}

// Regression (found by fuzz/cityflow_roadnet): a number beyond the range of a double
// made nlohmann throw out_of_range, which ParseJson let through, so "1e400" in any
// JSON input crashed the reader instead of being reported.
TEST(JsonInput, NumberBeyondDoubleRangeIsAnErrorWithItsPlace) {
  Result<Json> json = Status::Internal("not parsed");
  ASSERT_NO_THROW(json = ParseJson("1e388", "roadnet.json"));
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(json.status().message().rfind("roadnet.json:1:", 0), 0u) << json.status().message();
  EXPECT_NE(json.status().message().find("number overflow parsing '1e388'"), std::string::npos)
      << json.status().message();
  ASSERT_NO_THROW(json = ParseJson("{\"a\": 1,\n \"speed\": -2e400}", "request body"));
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().message().rfind("request body:2:", 0), 0u) << json.status().message();
  EXPECT_NE(json.status().message().find("'-2e400'"), std::string::npos) << json.status().message();
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
