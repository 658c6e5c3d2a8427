// Reading JSON input (files, request bodies) with precise error messages.
//
// `ParseJsonFile` reads and parses a file and reports syntax errors with line and
// column. The `Get*` helpers read one member of an object and fail with a message
// naming the JSON path ("roads[3].lanes[0].maxSpeed") and the expected type; the
// `Read*` helpers check a value already in hand (an array element) the same way.
// A member of the root object (empty `path`) is named "field 'key'", as suits a
// request body: "field 'phase': expected an integer, found string".
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace cb {

using Json = nlohmann::json;

// Reads the whole file; IoError if it cannot be opened.
Result<std::string> ReadFile(const std::string& path);

// Arrays and objects nested deeper than this are refused by ParseJson: the parser
// itself keeps its own stack, but copying, comparing or printing a document
// recurses once per level.
inline constexpr std::size_t kMaxJsonDepth = 256;

// Parses `text` (named `source` in messages). Every failure is InvalidInput
// naming source:line:column (byte-based) and the reason: malformed or truncated
// JSON, ill-formed UTF-8 or an unpaired surrogate escape in a string, a number
// too large for a double (1e999), nesting deeper than kMaxJsonDepth. Never
// throws. Text of the input quoted in a message is clipped and made valid UTF-8.
// Well-formed input takes a fast path: simdjson parses it and its document is
// copied into nlohmann's; anything simdjson does not take (every error, and a few
// rare forms) goes through nlohmann's parser, which decides and words every error
// (internal::ParseJsonWithNlohmann). Both build the same document, number types
// included (but "-0", an unsigned 0 on the fast path).
Result<Json> ParseJson(const std::string& text, const std::string& source);
Result<Json> ParseJsonFile(const std::string& path);

namespace internal {
// ParseJson without its fast path: nlohmann's lexer and parser for every input.
// For tests that check the fast path builds the same documents and refuses the
// same inputs.
Result<Json> ParseJsonWithNlohmann(const std::string& text, const std::string& source);
}  // namespace internal

// Member access. `path` is the JSON path of `object`, used in messages.
Status GetDouble(const Json& object, const std::string& key, const std::string& path, double* out);
Status GetOptionalDouble(const Json& object, const std::string& key, const std::string& path, double fallback,
                         double* out);
Status GetInt(const Json& object, const std::string& key, const std::string& path, int* out);
Status GetBool(const Json& object, const std::string& key, const std::string& path, bool* out);
Status GetString(const Json& object, const std::string& key, const std::string& path, std::string* out);
// Points `out` at the member, which must be an array / object.
Status GetArray(const Json& object, const std::string& key, const std::string& path, const Json** out);
Status GetObject(const Json& object, const std::string& key, const std::string& path, const Json** out);

// Range-checked members: as above, and InvalidInput naming the range when the value
// lies outside [min, max] (NaN lies outside every range; so does an unsigned value
// above `max`). The optional ones leave `fallback` when the member is absent.
Status GetIntInRange(const Json& object, const std::string& key, const std::string& path, long long min,
                     long long max, long long* out);
Status GetOptionalIntInRange(const Json& object, const std::string& key, const std::string& path,
                             long long min, long long max, long long fallback, long long* out);
Status GetDoubleInRange(const Json& object, const std::string& key, const std::string& path, double min,
                        double max, double* out);
// An optional string member; `*found` says whether it was there (`*out` is left
// alone when not).
Status GetOptionalString(const Json& object, const std::string& key, const std::string& path,
                         std::string* out, bool* found);

// The member `key` of `object`, or nullptr when it is absent (or `object` is not an object).
const Json* FindMember(const Json& object, const std::string& key);
// How messages name member `key` of the object at `path`: "path.key", or
// "field 'key'" when `path` is empty (a member of the root).
std::string MemberPath(const std::string& path, const std::string& key);

// A value already in hand, named `where` in messages (e.g. "lanes[2].lane").
Status ReadIntInRange(const Json& value, const std::string& where, long long min, long long max,
                      long long* out);
Status ReadDoubleInRange(const Json& value, const std::string& where, double min, double max, double* out);

}  // namespace cb
