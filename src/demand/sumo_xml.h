// Shared by the SUMO readers of this folder (sumo_routes, sumo_config); not a public
// interface. An XML document that knows the line of each element, and SUMO's
// number, time and id-list syntax.
//
// pugixml reports byte offsets (of a parse error, of an element's name); `Line`
// turns them into 1-based line numbers of the original text. Stateless apart from
// the parsed document; thread-compatible.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::demand::sumo_xml {

class Document {
 public:
  // Parses `xml` (named `source` in messages). A malformed or truncated document is
  // InvalidInput "<source>:<line>: malformed XML: <pugixml's reason>, expected ...".
  static Result<Document> Parse(std::string_view xml, const std::string& source);

  const pugi::xml_node root() const { return document_->document_element(); }
  const std::string& source() const { return source_; }
  // 1-based line of `node`'s start tag (0 if unknown).
  int Line(const pugi::xml_node& node) const;
  // "<source>:<line>".
  std::string Where(const pugi::xml_node& node) const;

 private:
  Document() = default;
  int LineOfOffset(std::ptrdiff_t offset) const;
  std::string source_;
  std::unique_ptr<pugi::xml_document> document_;
  std::vector<std::size_t> line_starts_;  // byte offset of the start of each line
};

// A finite decimal number, surrounding whitespace allowed ("4.5", " 1e3 "); no
// "nan", "inf" or trailing text.
std::optional<double> ParseNumber(std::string_view text);
// A SUMO time in seconds: a number, or "h:m:s" / "d:h:m:s" with whole d, h, m and
// seconds possibly fractional. Negative results are returned; callers check ranges.
std::optional<double> ParseTime(std::string_view text);
// A whole number (no fraction, no exponent).
std::optional<long long> ParseInteger(std::string_view text);
// Ids separated by whitespace ("a b  c" -> {a, b, c}).
std::vector<std::string> SplitIds(std::string_view text);
// "'<text>'", with text clipped to 60 bytes for messages.
std::string Quote(std::string_view text);

}  // namespace cb::demand::sumo_xml
