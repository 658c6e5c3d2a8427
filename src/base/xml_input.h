// Reading XML input files (SUMO's formats) with pugixml, with errors that name
// the file and line.
//
// XmlInput owns a parsed document and the line starts of its text, so that any
// element can be named as "<source>:<line>" in a message. The attribute readers
// return InvalidInput naming the file, line, element and attribute, and what was
// expected, e.g.
//   "net.xml:812: <lane id="a_0"> attribute 'speed': 'fast' is not a number, expected metres per second > 0".
// Not thread-safe to build; const methods are safe to call from several threads.
#pragma once

#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb {

class XmlInput {
 public:
  // Parses `text` (a copy is kept); InvalidInput "<source>:<line>: malformed XML: ..."
  // if it is not well-formed (a truncated file included).
  static Result<XmlInput> Parse(std::string_view text, std::string source);
  // Reads and parses the file at `path` (messages name `path`).
  static Result<XmlInput> ReadFile(const std::string& path);

  const pugi::xml_document& document() const { return *document_; }
  const std::string& source() const { return source_; }

  // 1-based line of `node` in the text.
  int Line(const pugi::xml_node& node) const;
  // "<source>:<line>"
  std::string Where(const pugi::xml_node& node) const;
  // "<source>:<line>: <name id="...">: " followed by `what`, as InvalidInput.
  Status Error(const pugi::xml_node& node, std::string_view what) const;

  // A required attribute (present, not empty).
  Result<std::string> Text(const pugi::xml_node& node, const char* attribute) const;
  // A finite number within [low, high]; `expected` says what it means ("seconds >= 0").
  Result<double> Real(const pugi::xml_node& node, const char* attribute, double low, double high,
                      std::string_view expected) const;
  // As Real, `fallback` when the attribute is absent.
  Result<double> RealOr(const pugi::xml_node& node, const char* attribute, double fallback, double low,
                        double high, std::string_view expected) const;
  // A boolean as SUMO writes them (true/false, 1/0, yes/no, on/off, x/-; any case),
  // `fallback` when the attribute is absent.
  Result<bool> BoolOr(const pugi::xml_node& node, const char* attribute, bool fallback) const;
  // An integer within [low, high].
  Result<long long> Integer(const pugi::xml_node& node, const char* attribute, long long low, long long high,
                            std::string_view expected) const;

 private:
  XmlInput() = default;
  std::string source_;
  std::unique_ptr<std::string> text_;  // pugixml parses in place: stable storage
  std::unique_ptr<pugi::xml_document> document_;
  std::vector<std::size_t> line_starts_;
};

// The description of `node` used in messages: `<lane id="a_0">`.
std::string XmlNodeName(const pugi::xml_node& node);

}  // namespace cb
