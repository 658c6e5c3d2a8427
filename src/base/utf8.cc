#include "base/utf8.h"

namespace cb {
namespace {

// What starts at s[i]: a well-formed sequence of `length` bytes, or an ill-formed
// maximal subpart of `length` bytes (at least 1) to be replaced by one U+FFFD.
struct Sequence {
  std::size_t length;
  bool valid;
};

// Unicode Table 3-7, "Well-Formed UTF-8 Byte Sequences": the lead byte fixes the
// length and the range of the second byte (narrowed for E0, ED, F0 and F4 to rule
// out overlongs, surrogates and code points above U+10FFFF); later bytes are 80..BF.
Sequence Decode(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {1, true};
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead == 0xE0) {
    length = 3;
    low = 0xA0;  // E0 80..9F would be overlong
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    length = 3;
  } else if (lead == 0xED) {
    length = 3;
    high = 0x9F;  // ED A0..BF would be a surrogate
  } else if (lead == 0xF0) {
    length = 4;
    low = 0x90;  // F0 80..8F would be overlong
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    length = 4;
  } else if (lead == 0xF4) {
    length = 4;
    high = 0x8F;  // F4 90.. would be above U+10FFFF
  } else {
    return {1, false};  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) return {k, false};  // truncated
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (c < low || c > high) return {k, false};
    low = 0x80;
    high = 0xBF;
  }
  return {length, true};
}

}  // namespace

std::size_t FindInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Sequence seq = Decode(text, i);
    if (!seq.valid) return i;
    i += seq.length;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view text) { return FindInvalidUtf8(text) == std::string_view::npos; }

std::string RepairUtf8(std::string_view text) {
  std::size_t i = FindInvalidUtf8(text);
  if (i == std::string_view::npos) return std::string(text);
  std::string out(text.substr(0, i));
  out.reserve(text.size() + 8);
  while (i < text.size()) {
    const Sequence seq = Decode(text, i);
    if (seq.valid) {
      out.append(text.substr(i, seq.length));
    } else {
      out.append(kUtf8Replacement);
    }
    i += seq.length;
  }
  return out;
}

std::string ClipUtf8(std::string_view text, std::size_t max_bytes, std::string_view ellipsis) {
  std::string out = RepairUtf8(text);
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes;
  // `out` is valid: back off continuation bytes (10xxxxxx) to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  out.append(ellipsis);
  return out;
}

}  // namespace cb
