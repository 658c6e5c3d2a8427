#include "base/status.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidInput("odd: " + std::to_string(x));
  return x / 2;
}

Status Chain(int x, int* out) {
  auto r = Half(x);
  if (!r.ok()) return r.status().WithContext("chain");
  *out = *r;
  return Status::Ok();
}

TEST(Status, ResultCarriesValueOrError) {
  EXPECT_EQ(*Half(8), 4);
  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidInput);
  EXPECT_EQ(bad.status().message(), "odd: 3");
  int out = 0;
  Status s = Chain(5, &out);
  EXPECT_EQ(s.message(), "chain: odd: 5");
  EXPECT_TRUE(Chain(6, &out).ok());
  EXPECT_EQ(out, 3);
}

}  // namespace
}  // namespace cb
