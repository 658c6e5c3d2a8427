#include "base/json_input.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace cb {
namespace {

// The message of a failed status, or "ok".
std::string Message(const Status& status) { return status.ok() ? "ok" : status.message(); }

// Whether `a` and `b` are the same document to the bit: the same types (unsigned,
// signed and double numbers apart, which == does not tell), the same doubles bit
// for bit, the same members in the same order.
bool SameDocument(const Json& a, const Json& b) {
  // "-0": nlohmann reads a signed zero, simdjson an integer it cannot tell from
  // "0" (read unsigned); the same value either way.
  if (a.is_number_integer() && b.is_number_integer() && a == 0 && b == 0) return true;
  if (a.type() != b.type()) return false;
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  if (a.is_array() || a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (a.is_object() && i.key() != j.key()) return false;
      if (!SameDocument(*i, *j)) return false;
    }
    return true;
  }
  return a == b;
}

// ParseJson (with its fast path) and nlohmann's own parser agree on `text`: both
// refuse it with the same message, or both build the same document.
::testing::AssertionResult AgreesWithNlohmann(const std::string& text) {
  const Result<Json> fast = ParseJson(text, "doc");
  const Result<Json> full = internal::ParseJsonWithNlohmann(text, "doc");
  if (fast.ok() != full.ok() || (!fast.ok() && fast.status().message() != full.status().message()) ||
      (fast.ok() && !SameDocument(*fast, *full))) {
    return ::testing::AssertionFailure()
           << "on '" << text << "': " << Message(fast.status()) << " / " << Message(full.status());
  }
  return ::testing::AssertionSuccess();
}

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

// The fast path of ParseJson builds the documents nlohmann builds, number types
// and the bits of every double included, and leaves every error to it.
TEST(JsonInput, FastPathAgreesWithNlohmann) {
  const char* const texts[] = {"0",
                               "-0",
                               "7",
                               "-7",
                               "0.0",
                               "-0.0",
                               "1e2",
                               "1E+2",
                               "1e-2",
                               "-0.5e3",
                               "123456789012345678",
                               "9223372036854775807",
                               "9223372036854775808",
                               "-9223372036854775808",
                               "-9223372036854775809",
                               "18446744073709551615",
                               "18446744073709551616",
                               "1.7976931348623157e308",
                               "4.9e-324",
                               "2.5e-324",
                               "1e-400",
                               "1e400",
                               "-1e400",
                               "0.1",
                               "0.30000000000000004",
                               "3.14159265358979323846264338327950288",
                               "01",
                               "-",
                               "1.",
                               ".5",
                               "1e",
                               "+1",
                               "--1",
                               "1.5e+",
                               "0x10",
                               "[1,]",
                               "[,1]",
                               "{\"a\":1,}",
                               "{\"a\" 1}",
                               "{a:1}",
                               "[1 2]",
                               "",
                               " ",
                               "[",
                               "]",
                               "{",
                               "}",
                               "nul",
                               "truex",
                               "True",
                               "[true, false, null]",
                               "\"\\u00e9\\ud83d\\ude91\"",
                               "\"\\ud800\"",
                               "\"\\udc00\"",
                               "\"\\ud800\\u0041\"",
                               "\"\\u00G0\"",
                               "\"\\x\"",
                               "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
                               "\"\\u0000\"",
                               "\"a\tb\"",
                               "\"a\nb\"",
                               "\"\xC3\xA9\"",
                               "\"\xE2\x82\xAC\"",
                               "\"\xF0\x9F\x9A\x91\"",
                               "\"\xC0\x80\"",
                               "\"\xE0\x80\x80\"",
                               "\"\xED\xA0\x80\"",
                               "\"\xF4\x90\x80\x80\"",
                               "\"\xF5\x80\x80\x80\"",
                               "\"\xC3\"",
                               "\"\x80\"",
                               "\xEF\xBB\xBF[1]",
                               "{\"k\": 1, \"k\": [2]}",
                               "{\"b\": 1, \"a\": {\"c\": [{}, []]}}",
                               " \t\r\n[ 1 , 2 ]\n",
                               "[1] x",
                               "\"unterminated",
                               "[\"a\"\"b\"]"};
  for (const char* text : texts) EXPECT_TRUE(AgreesWithNlohmann(text));
  for (std::size_t depth : {kMaxJsonDepth, kMaxJsonDepth + 1}) {
    EXPECT_TRUE(AgreesWithNlohmann(std::string(depth, '[') + std::string(depth, ']')));
    std::string objects;
    for (std::size_t i = 0; i < depth; ++i) objects += "{\"k\":";
    EXPECT_TRUE(AgreesWithNlohmann(objects + "1" + std::string(depth, '}')));
  }
  // Doubles of every magnitude, printed short and long.
  std::mt19937_64 random(16);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t bits = random();
    double x = 0;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    char text[64];
    std::snprintf(text, sizeof text, i % 2 ? "%.17g" : "%.6g", x);
    EXPECT_TRUE(AgreesWithNlohmann(text));
  }
  // The bundled data, whole.
  for (const char* path :
       {"/cityflow/jinan_3x4/roadnet_3_4.json", "/cityflow/jinan_3x4/anon_3_4_jinan_real.json",
        "/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json"}) {
    auto text = ReadFile(std::string(CB_DATA_DIR) + path);
    ASSERT_TRUE(text.ok()) << text.status().message();
    EXPECT_TRUE(AgreesWithNlohmann(*text)) << path;
  }
}

// Random damage to well-formed documents: wherever the fast path stops, nlohmann
// decides, so both give the same document or the same message for every variant.
TEST(JsonInput, FastPathAgreesWithNlohmannOnDamagedInput) {
  const std::string seeds[] = {
      R"({"vehicle": {"length": 5.0, "minGap": 2.5, "maxSpeed": 11.111}, "route": ["road_1_0_1", "r2"],
          "interval": 1.0, "startTime": 0, "endTime": -1, "s": "caf\u00e9 \ud83d\ude91 \n", "n": null})",
      "[1, -2, 3.5e-3, 18446744073709551615, -9223372036854775808, true, false, null, \"\xC3\xA9\", {}, []]",
  };
  const char bytes[] = {'{', '}', '[', ']', '"',  '\\',   ',',    ':',    '-',    '+',  '.', 'e', '0',
                        '9', 'u', 'd', ' ', '\n', '\x80', '\xC3', '\xED', '\xF4', '\0', 't', 'n'};
  std::mt19937 random(7);
  for (const std::string& seed : seeds) {
    ASSERT_TRUE(ParseJson(seed, "doc").ok());
    for (int i = 0; i < 3000; ++i) {
      std::string text = seed;
      const int edits = 1 + static_cast<int>(random() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = random() % text.size();
        switch (random() % 3) {
          case 0:
            text[at] = bytes[random() % sizeof bytes];
            break;
          case 1:
            text.insert(at, 1, bytes[random() % sizeof bytes]);
            break;
          default:
            text.erase(at, 1);
        }
      }
      EXPECT_TRUE(AgreesWithNlohmann(text));
    }
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
