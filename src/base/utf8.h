// UTF-8 validation and repair for text that crosses a boundary: request paths,
// headers and bodies, rows of the store, anything written as JSON or CSV.
//
// "Valid" is well-formed UTF-8 as defined by Unicode (Table 3-7 of the standard,
// RFC 3629): no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF, no truncated or stray continuation bytes. NUL and other control
// characters are valid UTF-8 (JSON escapes them; callers that must refuse them
// check for them separately).
//
// Repair replaces every ill-formed sequence by U+FFFD (EF BF BD), one per
// "maximal subpart" (the practice Unicode recommends and the WHATWG Encoding
// standard uses): a truncated sequence becomes one U+FFFD, a byte that cannot
// start or continue any sequence becomes one U+FFFD each. Valid text is returned
// unchanged, so repairing is idempotent.
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cb {

// The replacement character U+FFFD, encoded.
inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";

// The byte offset of the first ill-formed sequence, or std::string_view::npos
// when `text` is valid UTF-8.
std::size_t FindInvalidUtf8(std::string_view text);

// Whether `text` is valid UTF-8 (FindInvalidUtf8 finds nothing).
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD; `text` itself when valid.
std::string RepairUtf8(std::string_view text);

// At most `max_bytes` bytes of RepairUtf8(text), cut at a code point boundary
// (never inside a character), with `ellipsis` appended when anything was cut
// (the result may then exceed `max_bytes` by the ellipsis' length).
std::string ClipUtf8(std::string_view text, std::size_t max_bytes, std::string_view ellipsis = "...");

}  // namespace cb
