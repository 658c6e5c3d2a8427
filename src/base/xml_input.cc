#include "base/xml_input.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/json_input.h"
#include "base/utf8.h"

namespace cb {

namespace {

// Attribute values quoted in messages are clipped and made valid UTF-8.
std::string Quote(std::string_view value) { return "'" + ClipUtf8(value, 60) + "'"; }

std::optional<double> ToReal(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string Range(double low, double high) {
  auto number = [](double v) {
    char buffer[32];
    auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, ec == std::errc() ? ptr : buffer);
  };
  return "[" + number(low) + ", " + number(high) + "]";
}

}  // namespace

std::string XmlNodeName(const pugi::xml_node& node) {
  std::string name = "<";
  name += node.name();
  if (pugi::xml_attribute id = node.attribute("id")) name += " id=\"" + ClipUtf8(id.value(), 60) + "\"";
  name += ">";
  return name;
}

Result<XmlInput> XmlInput::Parse(std::string_view text, std::string source) {
  XmlInput input;
  input.source_ = std::move(source);
  input.text_ = std::make_unique<std::string>(text);
  input.line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') input.line_starts_.push_back(i + 1);
  }
  input.document_ = std::make_unique<pugi::xml_document>();
  pugi::xml_parse_result parsed = input.document_->load_buffer_inplace(
      input.text_->data(), input.text_->size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, parsed.offset));
    const auto line = std::upper_bound(input.line_starts_.begin(), input.line_starts_.end(), offset) -
                      input.line_starts_.begin();
    std::string what = parsed.description();
    // An error on the text's last line, or an element left open, is what a cut-off file gives.
    if (parsed.status == pugi::status_end_element_mismatch ||
        text.find('\n', offset) == std::string_view::npos)
      what += " (is the file truncated?)";
    return Status::InvalidInput(input.source_ + ":" + std::to_string(line) + ": malformed XML: " + what +
                                ", expected a well-formed XML document");
  }
  return input;
}

Result<XmlInput> XmlInput::ReadFile(const std::string& path) {
  auto text = cb::ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

int XmlInput::Line(const pugi::xml_node& node) const {
  const std::ptrdiff_t offset = node.offset_debug();
  if (offset < 0) return 0;
  return static_cast<int>(
      std::upper_bound(line_starts_.begin(), line_starts_.end(), static_cast<std::size_t>(offset)) -
      line_starts_.begin());
}

std::string XmlInput::Where(const pugi::xml_node& node) const {
  return source_ + ":" + std::to_string(Line(node));
}

Status XmlInput::Error(const pugi::xml_node& node, std::string_view what) const {
  std::string message = Where(node) + ": " + XmlNodeName(node) + ": ";
  message.append(what);
  return Status::InvalidInput(std::move(message));
}

Result<std::string> XmlInput::Text(const pugi::xml_node& node, const char* attribute) const {
  pugi::xml_attribute a = node.attribute(attribute);
  if (!a)
    return Error(node, std::string("attribute '") + attribute + "' is missing, expected it to be given");
  if (*a.value() == '\0')
    return Error(node, std::string("attribute '") + attribute + "' is empty, expected a value");
  return std::string(a.value());
}

Result<double> XmlInput::Real(const pugi::xml_node& node, const char* attribute, double low, double high,
                              std::string_view expected) const {
  pugi::xml_attribute a = node.attribute(attribute);
  if (!a)
    return Error(node,
                 std::string("attribute '") + attribute + "' is missing, expected " + std::string(expected));
  std::optional<double> value = ToReal(a.value());
  if (!value)
    return Error(node, std::string("attribute '") + attribute + "': " + Quote(a.value()) +
                           " is not a number, expected " + std::string(expected));
  if (*value < low || *value > high)
    return Error(node, std::string("attribute '") + attribute + "': " + Quote(a.value()) +
                           " is out of range " + Range(low, high) + ", expected " + std::string(expected));
  return *value;
}

Result<double> XmlInput::RealOr(const pugi::xml_node& node, const char* attribute, double fallback,
                                double low, double high, std::string_view expected) const {
  if (!node.attribute(attribute)) return fallback;
  return Real(node, attribute, low, high, expected);
}

Result<long long> XmlInput::Integer(const pugi::xml_node& node, const char* attribute, long long low,
                                    long long high, std::string_view expected) const {
  pugi::xml_attribute a = node.attribute(attribute);
  if (!a)
    return Error(node,
                 std::string("attribute '") + attribute + "' is missing, expected " + std::string(expected));
  std::string_view text = a.value();
  long long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    return Error(node, std::string("attribute '") + attribute + "': " + Quote(text) +
                           " is not an integer, expected " + std::string(expected));
  if (value < low || value > high)
    return Error(node, std::string("attribute '") + attribute + "': " + Quote(text) + " is out of range [" +
                           std::to_string(low) + ", " + std::to_string(high) + "], expected " +
                           std::string(expected));
  return value;
}

Result<bool> XmlInput::BoolOr(const pugi::xml_node& node, const char* attribute, bool fallback) const {
  pugi::xml_attribute a = node.attribute(attribute);
  if (!a) return fallback;
  std::string lower = a.value();
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* yes : {"true", "1", "yes", "on", "x"}) {
    if (lower == yes) return true;
  }
  for (const char* no : {"false", "0", "no", "off", "-"}) {
    if (lower == no) return false;
  }
  return Error(node, std::string("attribute '") + attribute + "': " + Quote(a.value()) +
                         " is not a boolean, expected true or false (or 1/0, yes/no, on/off, x/-)");
}

}  // namespace cb
