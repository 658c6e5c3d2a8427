// Reading well-formed JSON directly with simdjson (Debian's libsimdjson-dev), for
// readers of large files whose common case should not pay for a whole nlohmann
// document (the CityFlow flow reader). A reader using it keeps its nlohmann path
// (base/json_input.h) for everything the fast path does not take, and that path
// alone decides and words every error: the fast path only ever answers "here is
// the result" or "not mine".
#pragma once

#include <string>

#include "simdjson.h"

namespace cb {

// Parses `text` with this thread's simdjson parser. False for anything simdjson
// refuses (every malformed document, nesting deeper than kMaxJsonDepth, integers
// beyond 64 bits). `*root` stays valid until the next call on the same thread.
// Text read by ReadFile is parsed in place (its capacity holds simdjson's padding).
bool ParseFastDocument(const std::string& text, simdjson::dom::element* root);

}  // namespace cb
