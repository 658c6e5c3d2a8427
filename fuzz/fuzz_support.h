// What the libFuzzer targets in fuzz/ share (docs/fuzzing.md).
//
// Each target feeds its input to one reader and asks only that it returns: a value
// or an error Status, never a crash, an exception, a hang or an unbounded
// allocation (ASan, UBSan and libFuzzer's -timeout/-rss_limit_mb catch those). On
// top, an error must be a usable one: InvalidInput/NotFound with a message, never
// Internal (a reader that reports Internal on bad input has a bug of its own).
//
// The fixtures a target runs against (a network for the flow readers) are read
// once from the repository's data/ at start-up; the inputs themselves never touch
// the disk.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "base/json_input.h"
#include "base/status.h"
#include "roadnet/network.h"

namespace cb::fuzz {

// Stops the run with `what` on stderr: libFuzzer then saves the input as a crash.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "citybrain fuzz: %s\n", what.c_str());
  std::abort();
}

// The invariant every reader error keeps (see the header comment). With the
// environment variable CITYBRAIN_FUZZ_VERBOSE set, every error is printed: run a
// target on one file to see why it is rejected (`fuzz_<target> seed.json`).
inline void CheckError(const Status& status) {
  if (status.ok()) return;
  static const bool verbose = std::getenv("CITYBRAIN_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "citybrain fuzz: rejected: %s\n", status.message().c_str());
  if (status.message().empty()) Fail("an error Status without a message");
  if (status.code() == Status::Code::kInternal) Fail("Internal error on input: " + status.message());
}

inline std::string AsString(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A file of the repository's data/ folder (CB_DATA_DIR); aborts if it is missing.
inline std::string DataFile(const std::string& relative) {
  const std::string path = std::string(CB_DATA_DIR) + "/" + relative;
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) Fail("fixture: " + text.status().message());
  return std::move(text).value();
}

// The network a flow target runs against, built once at start-up from a reader's
// result for a data/ file; aborts if either fails. It lives as long as the process.
inline const roadnet::Network* FixtureNetwork(Result<roadnet::NetworkSpec> spec) {
  if (!spec.ok()) Fail("fixture: " + spec.status().message());
  Result<roadnet::Network> built = roadnet::BuildNetwork(std::move(spec).value());
  if (!built.ok()) Fail("fixture: " + built.status().message());
  return new roadnet::Network(std::move(built).value());
}

// The network readers' common end: BuildNetwork on what a reader accepted, as
// loaded and as relaxed by OpenIntersections; every error must be usable.
inline void CheckNetworkBuilds(Result<roadnet::NetworkSpec> spec) {
  CheckError(spec.status());
  if (!spec.ok()) return;
  roadnet::NetworkSpec open = *spec;
  Result<roadnet::Network> network = roadnet::BuildNetwork(std::move(spec).value());
  CheckError(network.status());
  if (!network.ok()) return;
  roadnet::OpenIntersections(&open);
  CheckError(roadnet::BuildNetwork(std::move(open)).status());
}

}  // namespace cb::fuzz
