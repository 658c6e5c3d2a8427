#include "service/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "service_testing.h"

namespace cb::service {
namespace {

TEST(Auth, GeneratesAPrivateTokenOnceAndReadsItBack) {
  testing::TempDir dir;
  auto first = LoadOrCreateToken(dir.path(), "");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->size(), 64u);
  struct stat info;
  ASSERT_EQ(::stat((dir / "operator.token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = LoadOrCreateToken(dir.path(), "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  testing::TempDir other;
  EXPECT_NE(*LoadOrCreateToken(other.path(), ""), *first);  // random, not fixed
}

TEST(Auth, NarrowsAReadableTokenFile) {
  testing::TempDir dir;
  std::ofstream(dir / "operator.token") << "secret\n";
  ::chmod((dir / "operator.token").c_str(), 0644);
  auto token = LoadOrCreateToken(dir.path(), "");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "secret");
  struct stat info;
  ASSERT_EQ(::stat((dir / "operator.token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(Auth, ReadsAGivenTokenFileAndRejectsEmptyOrMissing) {
  testing::TempDir dir;
  std::ofstream(dir / "given") << "  abc123 \n";
  EXPECT_EQ(*LoadOrCreateToken(dir.path(), dir / "given"), "abc123");
  std::ofstream(dir / "empty") << "\n";
  EXPECT_EQ(LoadOrCreateToken(dir.path(), dir / "empty").status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(LoadOrCreateToken(dir.path(), dir / "missing").status().code(), Status::Code::kIoError);
}

TEST(Auth, ComparesTokens) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_FALSE(TokensEqual("abc", "abd"));
  EXPECT_FALSE(TokensEqual("abc", "ab"));
  EXPECT_FALSE(TokensEqual("abc", "abcd"));
  EXPECT_FALSE(TokensEqual("abc", ""));
  EXPECT_FALSE(TokensEqual("", ""));  // an empty token never authorises
}

TEST(Auth, ParsesBearerHeaders) {
  EXPECT_EQ(BearerToken("Bearer xyz").value_or(""), "xyz");
  EXPECT_EQ(BearerToken("bearer  xyz ").value_or(""), "xyz");
  EXPECT_FALSE(BearerToken("Basic eHl6").has_value());
  EXPECT_FALSE(BearerToken("Bearer ").has_value());
  EXPECT_FALSE(BearerToken("").has_value());
  EXPECT_FALSE(BearerToken("Bearerxyz").has_value());
}

}  // namespace
}  // namespace cb::service
