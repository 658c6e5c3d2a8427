// Shared by the tests of src/report: made-up comparisons on tiny networks, and
// checks of the XML the pictures are made of.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "report/comparison.h"
#include "roadnet/network.h"
#include "testing/tiny_network.h"

namespace cb::report::testing {

inline std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Checks that `xml` is one well-formed element: every tag closed in order,
// attribute quotes paired, '&' only in entities, nothing outside the root.
inline ::testing::AssertionResult WellFormed(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  bool root_closed = false;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const std::size_t semi = xml.find(';', i);
      const std::string entity = xml.substr(i, semi == std::string::npos ? 8 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
          entity != "&apos;")
        return ::testing::AssertionFailure() << "bare '&' at " << i;
    }
    if (xml[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i])))
        return ::testing::AssertionFailure() << "text outside the root at " << i;
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unclosed '<' at " << i;
    const std::string tag = xml.substr(i + 1, end - i - 1);
    if (Count(tag, "\"") % 2 != 0) return ::testing::AssertionFailure() << "odd quotes in <" << tag << ">";
    if (root_closed) return ::testing::AssertionFailure() << "second root element <" << tag << ">";
    if (tag.starts_with("/")) {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name)
        return ::testing::AssertionFailure()
               << "</" << name << "> closes <" << (open.empty() ? "" : open.back()) << ">";
      open.pop_back();
      root_closed = open.empty();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
    i = end + 1;
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> never closed";
  if (!root_closed) return ::testing::AssertionFailure() << "no root element";
  return ::testing::AssertionSuccess();
}

// The value of attribute `name` in the first element at or after `from`.
inline double AttributeAfter(const std::string& text, std::size_t from, const std::string& name) {
  const std::size_t at = text.find(" " + name + "=\"", from);
  EXPECT_NE(at, std::string::npos) << name;
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 3));
}

// A run on `network` with made-up KPIs: `scale` multiplies travel time, delay
// excess and queues; the queue of each intersection goes 0, q, 2q over three
// samples (so its mean is q) with q = scale * 10.
inline ControllerRun MakeRun(const std::string& controller, std::shared_ptr<const roadnet::Network> network,
                             double scale) {
  ControllerRun run;
  run.controller = controller;
  run.summary.time_s = 180;
  run.summary.average_travel_time_s = 100 * scale;
  run.summary.delay_index = 1 + 0.2 * scale;
  run.summary.vehicles_finished = static_cast<long long>(1000 / scale);
  run.summary.mean_queued_on_lanes = 50 * scale;
  run.summary.served_at_threshold = static_cast<long long>(2000 / scale);
  run.wall_s = 0.5;
  run.signals = network->signalised_count();
  run.intersections = static_cast<int>(network->intersections().size());
  run.decision_interval_s = 15;
  for (int k = 0; k < 3; ++k) {
    metrics::NetworkSample s;
    s.time_s = 60.0 * (k + 1);
    s.average_travel_time_s = 30 * scale * (k + 1);
    s.delay_index = 1 + 0.1 * scale * (k + 1);
    s.on_road = static_cast<long long>(40 * scale * (k + 1));
    run.series.push_back(s);
    std::vector<metrics::IntersectionSample> row(network->intersections().size());
    for (auto& x : row) x.queue = static_cast<long long>(10 * scale * k);
    run.intersection_series.push_back(row);
  }
  run.network = std::move(network);
  return run;
}

// One signalised cross (tests/testing/tiny_network.h), arms of 300 m.
inline std::shared_ptr<const roadnet::Network> TinyCross() {
  auto net = roadnet::BuildNetwork(cb::testing::MakeCrossSpec(300));
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::make_shared<const roadnet::Network>(std::move(net).value());
}

// Three controllers on the cross: "maxpressure" (scale 1) best, then "fixed" (2),
// then "other<&>" (3), a name that needs escaping.
inline ScenarioResults TinyScenario() {
  auto net = TinyCross();
  ScenarioResults s;
  s.name = "tiny";
  s.description = "one signalised cross";
  s.roadnet = "tiny-cross";
  s.flow = "none";
  s.duration_s = 180;
  s.runs = {MakeRun("fixed", net, 2), MakeRun("maxpressure", net, 1), MakeRun("other<&>", net, 3)};
  return s;
}

}  // namespace cb::report::testing
