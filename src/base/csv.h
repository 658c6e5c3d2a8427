// CSV output (RFC 4180), as every CSV citybrain writes (the service's exports,
// `run --trips-csv`) spells its fields.
#pragma once

#include <string>

namespace cb {

// Appends `text` to `out` as one field: quoted, with quotes doubled, when it holds a
// comma, a quote or a line break; invalid UTF-8 is repaired first (base/utf8.h),
// so the output is valid UTF-8 whatever the text holds.
void AppendCsvField(std::string& out, const std::string& text);

}  // namespace cb
