#include "base/json_input.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json_fast.h"
#include "base/utf8.h"

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

// Builds the document from the parser's events, as Json::parse does, but records
// a failure instead of throwing it (Json::parse lets a number overflow escape as
// out_of_range) and refuses nesting deeper than `max_depth` before building it.
// Containers under construction are reached through `open_`: pointers stay valid
// because only the innermost open container grows.
class DocumentBuilder final : public nlohmann::json_sax<Json> {
 public:
  explicit DocumentBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() override { return Place(Json(nullptr)) != nullptr; }
  bool boolean(bool v) override { return Place(Json(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return Place(Json(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return Place(Json(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t& /*text*/) override { return Place(Json(v)) != nullptr; }
  bool string(string_t& v) override { return Place(Json(std::move(v))) != nullptr; }
  bool binary(binary_t& v) override { return Place(Json::binary(std::move(v))) != nullptr; }
  bool start_object(std::size_t /*elements*/) override { return Open(Json::object()); }
  bool key(string_t& key) override {
    member_ = &(*open_.back())[key];  // a repeated key: the last value wins, as in Json::parse
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t /*elements*/) override { return Open(Json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const Json::exception& error) override {
    position_ = position;
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ...":
    // keep what follows; the caller gives the position in the source's own terms.
    if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos) {
      what = what.substr(what.find("] ") + 2);
    }
    if (what.rfind("parse error", 0) == 0 && what.find(": ") != std::string::npos) {
      what = what.substr(what.find(": ") + 2);
    }
    // The last token read is quoted in `what`: bytes of the input, maybe long, maybe
    // not UTF-8.
    reason_ = ClipUtf8(what, 200);
    return false;
  }

  Json document() && { return std::move(root_); }
  bool too_deep() const { return too_deep_; }
  std::size_t error_position() const { return position_; }
  const std::string& error_reason() const { return reason_; }

 private:
  // Puts a value where the document expects the next one; nullptr when it cannot.
  Json* Place(Json&& value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    if (member_ == nullptr) return nullptr;
    *member_ = std::move(value);
    Json* placed = member_;
    member_ = nullptr;
    return placed;
  }
  bool Open(Json&& container) {
    if (open_.size() >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    Json* placed = Place(std::move(container));
    if (placed == nullptr) return false;
    open_.push_back(placed);
    return true;
  }
  bool Close() {
    if (open_.empty()) return false;
    open_.pop_back();
    return true;
  }

  const std::size_t max_depth_;
  Json root_;
  std::vector<Json*> open_;
  Json* member_ = nullptr;
  bool too_deep_ = false;
  std::size_t position_ = 0;
  std::string reason_ = "malformed JSON";
};

// The fast path: simdjson (Debian's libsimdjson-dev) parses well-formed JSON and
// its document is copied into the same nlohmann document DocumentBuilder builds
// over nlohmann's lexer (the same number types: integers without sign as unsigned,
// with sign as signed, the rest as double, correctly rounded by both; a repeated
// key: the last value wins). On any error, and on what it does not take the same
// way (nesting deeper than kMaxJsonDepth, integers beyond 64 bits), simdjson
// fails, and ParseJson runs nlohmann's parser, which takes what it can and words
// the error: every message stays nlohmann's (json_input_test compares the two).
bool CopyFromSimdjson(simdjson::dom::element value, Json* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      *out = Json::object();
      Json::object_t& members = out->get_ref<Json::object_t&>();
      const simdjson::dom::object object = value.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair member : object) {
        if (!CopyFromSimdjson(member.value, &members[std::string(member.key)])) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      *out = Json::array();
      Json::array_t& items = out->get_ref<Json::array_t&>();
      const simdjson::dom::array array = value.get_array().value_unsafe();
      items.reserve(array.size());
      for (simdjson::dom::element item : array) {
        items.emplace_back();
        if (!CopyFromSimdjson(item, &items.back())) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::STRING:
      *out = std::string(value.get_string().value_unsafe());
      return true;
    case simdjson::dom::element_type::INT64: {
      const int64_t v = value.get_int64().value_unsafe();
      // nlohmann reads an integer without a minus sign as unsigned.
      if (v >= 0) {
        *out = static_cast<uint64_t>(v);
      } else {
        *out = v;
      }
      return true;
    }
    case simdjson::dom::element_type::UINT64:
      *out = value.get_uint64().value_unsafe();
      return true;
    case simdjson::dom::element_type::DOUBLE:
      *out = value.get_double().value_unsafe();
      return true;
    case simdjson::dom::element_type::BOOL:
      *out = value.get_bool().value_unsafe();
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      *out = nullptr;
      return true;
  }
  return false;
}

bool ParseWithSimdjson(const std::string& text, Json* out) {
  simdjson::dom::element root;
  return ParseFastDocument(text, &root) && CopyFromSimdjson(root, out);
}

// The byte offset of the first '[' or '{' (outside strings) that opens level
// `max_depth` + 1; text.size() if none does.
std::size_t OpeningTooDeep(const std::string& text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return text.size();
}

}  // namespace

bool ParseFastDocument(const std::string& text, simdjson::dom::element* root) {
  // One parser per thread, kept: its buffers are reused from one document to the next.
  // Its depth limit is kMaxJsonDepth (the capacity grows with the documents).
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(64 * 1024, kMaxJsonDepth) != simdjson::SUCCESS) {
      // Out of memory: every parse then fails over to nlohmann.
    }
    return p;
  }();
  return parser.parse(text).get(*root) == simdjson::SUCCESS;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::IoError(path + ": cannot open file");
  std::string text;
  const std::streamoff size = in.tellg();
  if (size > 0) {
    // One read into a string with room for simdjson's padding (ParseFastDocument then
    // parses it in place, without copying it).
    text.reserve(static_cast<std::size_t>(size) + simdjson::SIMDJSON_PADDING);
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0);
    in.read(text.data(), size);
    if (in.gcount() != size) return Status::IoError(path + ": read error");
  } else {
    // Empty, or not a regular file (a pipe, /proc): read until its end.
    std::ifstream again(path, std::ios::binary);
    if (!again) return Status::IoError(path + ": cannot open file");
    std::ostringstream buffer;
    buffer << again.rdbuf();
    if (again.bad()) return Status::IoError(path + ": read error");
    text = buffer.str();
  }
  return text;
}

Result<Json> ParseJson(const std::string& text, const std::string& source) {
  Json document;
  if (ParseWithSimdjson(text, &document)) return document;
  return internal::ParseJsonWithNlohmann(text, source);
}

Result<Json> internal::ParseJsonWithNlohmann(const std::string& text, const std::string& source) {
  DocumentBuilder builder(kMaxJsonDepth);
  // sax_parse reports every failure of the text through builder.parse_error; what
  // it could still throw (allocation failure) is no fault of the input.
  if (Json::sax_parse(text, &builder)) return std::move(builder).document();
  std::size_t byte = 0;
  std::string reason;
  if (builder.too_deep()) {
    byte = OpeningTooDeep(text, kMaxJsonDepth);
    reason = "arrays and objects nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  } else {
    byte = builder.error_position() > 0 ? builder.error_position() - 1 : 0;
    reason = builder.error_reason();
  }
  if (byte > text.size()) byte = text.size();
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  if (byte >= text.size()) reason = "unexpected end of file (truncated?); " + reason;
  return Status::InvalidInput(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                              ": malformed JSON: " + reason);
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
