#include "demand/sumo_xml.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/utf8.h"

namespace cb::demand::sumo_xml {
namespace {

std::string_view Trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<Document> Document::Parse(std::string_view xml, const std::string& source) {
  Document document;
  document.source_ = source;
  document.line_starts_.push_back(0);
  for (std::size_t i = 0; i < xml.size(); ++i) {
    if (xml[i] == '\n') document.line_starts_.push_back(i + 1);
  }
  document.document_ = std::make_unique<pugi::xml_document>();
  // UTF-8 forced: with no encoding conversion the offsets pugixml reports are byte
  // offsets into `xml` itself.
  pugi::xml_parse_result result =
      document.document_->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) {
    // pugixml calls an unclosed element at the end of the text a tag mismatch; say
    // what it is: the text stops early.
    std::string reason = result.description();
    const std::size_t offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(result.offset, 0));
    if (result.status == pugi::status_end_element_mismatch &&
        Trim(xml.substr(std::min(offset, xml.size()))).empty()) {
      reason = "the text ends before every element is closed (truncated?)";
    }
    return Status::InvalidInput(source + ":" + std::to_string(document.LineOfOffset(result.offset)) +
                                ": malformed XML: " + reason + ", expected a well-formed XML document");
  }
  if (!document.document_->document_element()) {
    return Status::InvalidInput(source + ":1: no root element, expected an XML document");
  }
  return document;
}

int Document::LineOfOffset(std::ptrdiff_t offset) const {
  if (offset < 0) return 0;
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), static_cast<std::size_t>(offset));
  return static_cast<int>(after - line_starts_.begin());
}

int Document::Line(const pugi::xml_node& node) const { return LineOfOffset(node.offset_debug()); }

std::string Document::Where(const pugi::xml_node& node) const {
  return source_ + ":" + std::to_string(Line(node));
}

std::optional<double> ParseNumber(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<long long> ParseInteger(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseTime(std::string_view text) {
  text = Trim(text);
  if (text.find(':') == std::string_view::npos) return ParseNumber(text);
  // SUMO's clock forms: h:m:s or d:h:m:s.
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = text.find(':', start);
    parts.push_back(
        text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 3 && parts.size() != 4) return std::nullopt;
  static constexpr double kUnit[] = {86400, 3600, 60};
  const std::size_t first_unit = 4 - parts.size();
  double total = 0;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    std::optional<long long> whole = ParseInteger(parts[i]);
    if (!whole || *whole < 0) return std::nullopt;
    total += static_cast<double>(*whole) * kUnit[first_unit + i];
  }
  std::optional<double> seconds = ParseNumber(parts.back());
  if (!seconds || *seconds < 0) return std::nullopt;
  return total + *seconds;
}

std::vector<std::string> SplitIds(std::string_view text) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (pos < text.size()) {
    while (pos < text.size() && space(text[pos])) ++pos;
    std::size_t end = pos;
    while (end < text.size() && !space(text[end])) ++end;
    if (end > pos) ids.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return ids;
}

std::string Quote(std::string_view text) { return "'" + ClipUtf8(text, 60) + "'"; }

}  // namespace cb::demand::sumo_xml
