#include "base/csv.h"

#include <gtest/gtest.h>

#include <string>

namespace cb {
namespace {

std::string Field(const std::string& text) {
  std::string out = "x,";
  AppendCsvField(out, text);
  return out;
}

TEST(Csv, PlainTextStaysAsItIs) { EXPECT_EQ(Field("cologne1.rou.xml:4"), "x,cologne1.rou.xml:4"); }

TEST(Csv, CommasQuotesAndLineBreaksAreQuoted) {
  EXPECT_EQ(Field("a,b"), "x,\"a,b\"");
  EXPECT_EQ(Field("trip 'a' \"b\""), "x,\"trip 'a' \"\"b\"\"\"");
  EXPECT_EQ(Field("a\nb"), "x,\"a\nb\"");
  EXPECT_EQ(Field("a\rb"), "x,\"a\rb\"");
}

TEST(Csv, InvalidUtf8IsRepaired) {
  const std::string out = Field(std::string("a\xff") + "b");
  EXPECT_EQ(out.find('\xff'), std::string::npos);
  EXPECT_EQ(out.substr(0, 3), "x,a");
}

}  // namespace
}  // namespace cb
