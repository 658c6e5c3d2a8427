// Text for XML, HTML and SVG output: the five predefined entities escaped, so the
// result is safe in element content and in single- or double-quoted attributes.
#pragma once

#include <string>
#include <string_view>

namespace cb {

inline std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace cb
