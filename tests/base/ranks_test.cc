#include "base/ranks.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace cb {
namespace {

TEST(Ranks, OneRankAloneWithoutALauncher) {
  if (LaunchedByMpi()) GTEST_SKIP() << "this test runs under an MPI launcher";
  auto ranks = JoinRanks("/nonexistent/libcitybrain_mpi.so", nullptr, nullptr);
  ASSERT_TRUE(ranks.ok()) << ranks.status().message();
  EXPECT_EQ((*ranks)->rank(), 0);
  EXPECT_EQ((*ranks)->size(), 1);
  std::string bytes = "abc";
  (*ranks)->Broadcast(bytes);
  EXPECT_EQ(bytes, "abc");
  std::vector<std::string> all;
  (*ranks)->Gather("xy", all);
  EXPECT_EQ(all, std::vector<std::string>{"xy"});
  EXPECT_EQ(RankFromEnvironment(), 0);
}

TEST(Ranks, UnderALauncherAMissingPluginSaysWhatToInstall) {
  if (LaunchedByMpi()) GTEST_SKIP() << "this test runs under an MPI launcher";
  ASSERT_EQ(setenv("OMPI_COMM_WORLD_SIZE", "2", 1), 0);
  ASSERT_EQ(setenv("OMPI_COMM_WORLD_RANK", "1", 1), 0);
  EXPECT_TRUE(LaunchedByMpi());
  EXPECT_EQ(RankFromEnvironment(), 1);
  auto ranks = JoinRanks("/nonexistent/libcitybrain_mpi.so", nullptr, nullptr);
  unsetenv("OMPI_COMM_WORLD_SIZE");
  unsetenv("OMPI_COMM_WORLD_RANK");
  ASSERT_FALSE(ranks.ok());
  EXPECT_NE(ranks.status().message().find("/nonexistent/libcitybrain_mpi.so"), std::string::npos);
  EXPECT_NE(ranks.status().message().find("libopenmpi-dev"), std::string::npos);
  EXPECT_FALSE(LaunchedByMpi());
}

TEST(Ranks, ThePluginPathIsNextToTheExecutable) {
  const std::string path = DefaultMpiPluginPath();
  EXPECT_NE(path.find("libcitybrain_mpi.so"), std::string::npos);
  EXPECT_EQ(path.front(), '/');
}

}  // namespace
}  // namespace cb
