// Reading JSON input files with precise error messages.
//
// `ParseJsonFile` reads and parses a file and reports syntax errors with line and
// column. The `Get*` helpers read one member of an object and fail with a message
// naming the JSON path ("roads[3].lanes[0].maxSpeed") and the expected type.
// Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace cb {

using Json = nlohmann::json;

// Reads the whole file; IoError if it cannot be opened.
Result<std::string> ReadFile(const std::string& path);

// Parses `text` (named `source` in messages); InvalidInput with line:column on
// malformed or truncated JSON.
Result<Json> ParseJson(const std::string& text, const std::string& source);
Result<Json> ParseJsonFile(const std::string& path);

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

}  // namespace cb
