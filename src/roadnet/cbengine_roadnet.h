// Importer for the CBEngine road network text format (KDD Cup 2021 City Brain
// Challenge, docs/cbengine.rst; see data/README.md for the format and its pitfalls).
//
// A file has three sections, each a count followed by that many records:
//   intersections  `latitude longitude id signalised`
//   roads          `from to length_m speed_limit_mps lanes_dir1 lanes_dir2 id_dir1 id_dir2`
//                  then one line with 3 digits (left through right allowed) per lane
//                  of direction 1 (from -> to), then one such line for direction 2
//   signals        `intersection road_N road_E road_S road_W` (roads leaving the
//                  intersection, -1 where there is no leg)
// Blank lines, `//` comments and CRLF line ends are tolerated.
//
// The importer produces a NetworkSpec (format "cbengine") that BuildNetwork compiles:
//   - lat/lon projected to local metres (drawing only: the file's road lengths are
//     authoritative and are set as RoadSpec::length_m),
//   - one road per direction, lane 0 the inner (left) lane,
//   - movements with turn types and explicit lane-link geometry: at a signal from
//     the record's N/E/S/W legs, elsewhere from the bearings of the coordinates,
//   - at a signal, 9 phases: 0 = clearance (right turns only, 5 s) and the
//     challenge's phases 1..8 (30 s each, right turns always green); phases that
//     serve no movement are left out of control_phases.
//
// Every error is Status::InvalidInput with the message
// "<file>:<line>: <what was wrong>, expected <what>" (IoError if the file cannot be
// read). Plain functions, no shared state: safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "roadnet/network.h"

namespace cb::roadnet {

// Reads and parses the file at `path`; messages name `path`.
Result<NetworkSpec> ParseCbengineRoadnet(const std::string& path);
// Parses `text`; messages and `where` fields name `source_name`.
Result<NetworkSpec> ParseCbengineRoadnetText(std::string_view text, const std::string& source_name);

// ---------------------------------------------------------------------------
// Line-level reading of the CBEngine text formats, shared with the flow importer
// (demand/cbengine_flow.h). Not meant for other uses.
namespace cbengine_text {

// One non-blank line after removing its `//` comment, split at whitespace. The
// tokens view into the text given to the LineCursor, which must outlive them.
struct TextLine {
  int number = 0;  // 1-based line number in the file
  std::vector<std::string_view> tokens;
};

// "<source>:<line>: <what>, expected <expected>" as Status::InvalidInput.
Status LineError(const std::string& source, int line, std::string_view what, std::string_view expected);

// A whole token as a number; nullopt if the token is not entirely a number (or, for
// reals, not finite).
std::optional<int64_t> ParseInteger(std::string_view token);
std::optional<double> ParseReal(std::string_view token);

// The whole file, or IoError naming `path`.
Result<std::string> ReadTextFile(const std::string& path);

// Walks the non-blank lines of a text.
class LineCursor {
 public:
  LineCursor(std::string_view text, std::string source);

  const std::string& source() const { return source_; }
  bool AtEnd() const { return next_ >= lines_.size(); }
  // The next line; at the end of the text an error "file ends <context>, expected
  // <expected>" naming the last line of the file.
  Result<const TextLine*> Next(std::string_view context, std::string_view expected);
  // A line holding exactly one non-negative integer (a section's record count).
  Result<int64_t> NextCount(std::string_view section);
  // Error unless every line has been read ("trailing garbage").
  Status ExpectEnd(std::string_view after) const;
  Status Error(int line, std::string_view what, std::string_view expected) const {
    return LineError(source_, line, what, expected);
  }

 private:
  std::string source_;
  std::vector<TextLine> lines_;
  std::size_t next_ = 0;
  int last_line_number_ = 1;  // number of the file's last line, for end-of-file errors
};

}  // namespace cbengine_text
}  // namespace cb::roadnet
