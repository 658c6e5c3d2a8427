// gzip (RFC 1952) compression of response bodies, with zlib.
// Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cb::service {

// `data` gzipped at `level` (1 fastest .. 9 smallest).
std::string Gzip(std::string_view data, int level);

}  // namespace cb::service
