#include "base/csv.h"

#include "base/utf8.h"

namespace cb {

void AppendCsvField(std::string& out, const std::string& text) {
  const std::string repaired = IsValidUtf8(text) ? std::string() : RepairUtf8(text);
  const std::string& field = repaired.empty() ? text : repaired;
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace cb
