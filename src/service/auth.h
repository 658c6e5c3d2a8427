// The operator token that guards every control endpoint of the service.
//
// The token is a secret string shared by the service and its operators. Unless a
// token file is given, it is generated on first start from /dev/urandom (32 bytes,
// written as 64 hex digits) into <data-dir>/operator.token with mode 0600 (readable
// by its owner only), and read from there on later starts. Requests carry it as
// `Authorization: Bearer <token>`; it is compared in constant time, so the time a
// comparison takes says nothing about how much of a guess was right.
// Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::service {

// The token from `token_file` when it is not empty (IoError if unreadable,
// InvalidInput if it holds no token); otherwise from <data_dir>/operator.token,
// created with a fresh random token and mode 0600 when missing (an existing one
// readable by others is narrowed to 0600). Surrounding whitespace is ignored.
Result<std::string> LoadOrCreateToken(const std::string& data_dir, const std::string& token_file);

// Whether `given` equals `expected`, in time that depends only on their lengths.
bool TokensEqual(std::string_view expected, std::string_view given);

// The token of an "Authorization: Bearer <token>" header value; nullopt for any
// other scheme or an empty token.
std::optional<std::string_view> BearerToken(std::string_view authorization);

}  // namespace cb::service
