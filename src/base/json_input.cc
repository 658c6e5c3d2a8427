#include "base/json_input.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace cb {
namespace {

Status TypeError(const std::string& where, const std::string& expected, const Json& found) {
  return Status::InvalidInput(where + ": expected " + expected + ", found " + found.type_name());
}

Status TypeError(const std::string& path, const std::string& key, const std::string& expected,
                 const Json& found) {
  return TypeError(MemberPath(path, key), expected, found);
}

Status Missing(const std::string& path, const std::string& key, const std::string& expected) {
  return Status::InvalidInput((path.empty() ? "" : path + ": ") + "missing field '" + key + "', expected " +
                              expected);
}

// "1", "0.01", "3600": ranges as a reader would write them.
std::string Number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

Status OutOfRange(const std::string& where, const std::string& min, const std::string& max) {
  return Status::InvalidInput(where + ": must be in " + min + ".." + max);
}

const Json* Member(const Json& object, const std::string& key) { return FindMember(object, key); }

Status RequireObject(const Json& object, const std::string& path) {
  if (!object.is_object()) {
    return Status::InvalidInput(path + ": expected an object, found " + std::string(object.type_name()));
  }
  return Status::Ok();
}

// "line:column" (both from 1) of byte offset `byte` in `text`.
std::string LineColumn(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read error");
  return buffer.str();
}

Result<Json> ParseJson(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    if (byte > text.size()) byte = text.size();
    std::string what = e.what();
    auto colon = what.rfind(": ");
    std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    if (byte >= text.size()) reason = "unexpected end of file (truncated?); " + reason;
    return Status::InvalidInput(source + ":" + LineColumn(text, byte) + ": malformed JSON: " + reason);
  } catch (const Json::out_of_range& e) {
    // A number beyond the range of a double ("1e400"): nlohmann reports it as
    // out_of_range.406 "number overflow parsing '1e400'", without a position; the
    // first occurrence of the quoted number is where it is.
    const std::string what = e.what();
    const std::size_t open = what.find('\'');
    const std::size_t close = what.rfind('\'');
    std::size_t byte = 0;
    std::string number;
    if (open != std::string::npos && close > open) {
      number = what.substr(open + 1, close - open - 1);
      byte = std::min(text.find(number), text.size());
    }
    return Status::InvalidInput(source + ":" + LineColumn(text, byte) + ": number " +
                                (number.empty() ? std::string("") : "'" + number + "' ") +
                                "is out of range, expected a number within +-1.7e308");
  } catch (const Json::exception& e) {
    // Any other refusal of the parser: still bad input, never a crash.
    return Status::InvalidInput(source + ": malformed JSON: " + e.what());
  }
}

Result<Json> ParseJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseJson(*text, path);
}

Status GetDouble(const Json& object, const std::string& key, const std::string& path, double* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "a number");
  if (!m->is_number()) return TypeError(path, key, "a number", *m);
  *out = m->get<double>();
  return Status::Ok();
}

Status GetOptionalDouble(const Json& object, const std::string& key, const std::string& path, double fallback,
                         double* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) {
    *out = fallback;
    return Status::Ok();
  }
  if (!m->is_number()) return TypeError(path, key, "a number", *m);
  *out = m->get<double>();
  return Status::Ok();
}

Status GetInt(const Json& object, const std::string& key, const std::string& path, int* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "an integer");
  if (!m->is_number_integer()) return TypeError(path, key, "an integer", *m);
  *out = m->get<int>();
  return Status::Ok();
}

Status GetBool(const Json& object, const std::string& key, const std::string& path, bool* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "true or false");
  if (!m->is_boolean()) return TypeError(path, key, "true or false", *m);
  *out = m->get<bool>();
  return Status::Ok();
}

Status GetString(const Json& object, const std::string& key, const std::string& path, std::string* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "a string");
  if (!m->is_string()) return TypeError(path, key, "a string", *m);
  *out = m->get<std::string>();
  return Status::Ok();
}

Status GetArray(const Json& object, const std::string& key, const std::string& path, const Json** out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "an array");
  if (!m->is_array()) return TypeError(path, key, "an array", *m);
  *out = m;
  return Status::Ok();
}

Status GetObject(const Json& object, const std::string& key, const std::string& path, const Json** out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "an object");
  if (!m->is_object()) return TypeError(path, key, "an object", *m);
  *out = m;
  return Status::Ok();
}

const Json* FindMember(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string MemberPath(const std::string& path, const std::string& key) {
  return path.empty() ? "field '" + key + "'" : path + "." + key;
}

Status ReadIntInRange(const Json& value, const std::string& where, long long min, long long max,
                      long long* out) {
  if (!value.is_number_integer()) return TypeError(where, "an integer", value);
  // Unsigned values above the signed range would wrap in get<long long>().
  if ((value.is_number_unsigned() &&
       value.get<unsigned long long>() > static_cast<unsigned long long>(max)) ||
      value.get<long long>() < min || value.get<long long>() > max) {
    return OutOfRange(where, std::to_string(min), std::to_string(max));
  }
  *out = value.get<long long>();
  return Status::Ok();
}

Status ReadDoubleInRange(const Json& value, const std::string& where, double min, double max, double* out) {
  if (!value.is_number()) return TypeError(where, "a number", value);
  const double x = value.get<double>();
  if (!(x >= min && x <= max)) return OutOfRange(where, Number(min), Number(max));
  *out = x;
  return Status::Ok();
}

Status GetIntInRange(const Json& object, const std::string& key, const std::string& path, long long min,
                     long long max, long long* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "an integer");
  return ReadIntInRange(*m, MemberPath(path, key), min, max, out);
}

Status GetOptionalIntInRange(const Json& object, const std::string& key, const std::string& path,
                             long long min, long long max, long long fallback, long long* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) {
    *out = fallback;
    return Status::Ok();
  }
  return ReadIntInRange(*m, MemberPath(path, key), min, max, out);
}

Status GetDoubleInRange(const Json& object, const std::string& key, const std::string& path, double min,
                        double max, double* out) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  if (!m) return Missing(path, key, "a number");
  return ReadDoubleInRange(*m, MemberPath(path, key), min, max, out);
}

Status GetOptionalString(const Json& object, const std::string& key, const std::string& path,
                         std::string* out, bool* found) {
  CB_RETURN_IF_ERROR(RequireObject(object, path));
  const Json* m = Member(object, key);
  *found = m != nullptr;
  if (!m) return Status::Ok();
  if (!m->is_string()) return TypeError(path, key, "a string", *m);
  *out = m->get<std::string>();
  return Status::Ok();
}

}  // namespace cb
