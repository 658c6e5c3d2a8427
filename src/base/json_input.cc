#include "base/json_input.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

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

// Builds the document for well-formed JSON only, the same document as
// DocumentBuilder over nlohmann's lexer builds (same grammar, the same number
// types: integers without sign as unsigned, with sign as signed, the rest as
// double, each converted exactly as nlohmann converts it), about ten times
// faster: no event per token, no token buffer, no locale. It gives up (returns
// false) at the first thing it does not take, ill-formed or merely rare (a
// byte-order mark, an integer beyond 64 bits, a double that underflows), and
// ParseJson then runs the full parser, which takes what it can and words the
// error. So it never decides what is an error or how one reads; it only has to
// refuse everything nlohmann refuses (json_input_test compares the two).
class FastParser {
 public:
  explicit FastParser(const std::string& text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool Parse(Json* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  // `depth`: containers open around the value (DocumentBuilder refuses to open
  // the one beyond kMaxJsonDepth, and so does this).
  bool Value(Json* out, std::size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"': {
        std::string s;
        if (!String(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        return Literal("true", Json(true), out);
      case 'f':
        return Literal("false", Json(false), out);
      case 'n':
        return Literal("null", Json(nullptr), out);
      default:
        return Number(out);
    }
  }

  bool Object(Json* out, std::size_t depth) {
    if (depth >= kMaxJsonDepth) return false;
    ++p_;
    *out = Json::object();
    Json::object_t& members = out->get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    while (true) {
      if (p_ == end_ || *p_ != '"' || !String(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      // A repeated key: the last value wins, as in DocumentBuilder.
      if (!Value(&members[key], depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  bool Array(Json* out, std::size_t depth) {
    if (depth >= kMaxJsonDepth) return false;
    ++p_;
    *out = Json::array();
    Json::array_t& elements = out->get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      elements.emplace_back();
      if (!Value(&elements.back(), depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  bool Literal(std::string_view word, Json value, Json* out) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    *out = std::move(value);
    return true;
  }

  // JSON's number grammar; then nlohmann's types and conversions: an integer
  // with '-' as a signed 64-bit value, without as unsigned, anything else as a
  // double (std::from_chars and strtod both round correctly, so they agree to
  // the bit). nlohmann takes an integer beyond 64 bits as a double and a double
  // that underflows as 0 or a subnormal: rare, left to it.
  bool Number(Json* out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (IsDigit(*p_)) {
      SkipDigits();
    } else {
      return false;
    }
    bool integer = true;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      SkipDigits();
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      SkipDigits();
    }
    if (integer && negative) {
      std::int64_t value = 0;
      const auto [end, error] = std::from_chars(start, p_, value);
      if (error != std::errc() || end != p_) return false;
      *out = Json(static_cast<Json::number_integer_t>(value));
    } else if (integer) {
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(start, p_, value);
      if (error != std::errc() || end != p_) return false;
      *out = Json(static_cast<Json::number_unsigned_t>(value));
    } else {
      double value = 0;
      const auto [end, error] = std::from_chars(start, p_, value);
      if (error != std::errc() || end != p_ || !std::isfinite(value)) return false;
      *out = Json(static_cast<Json::number_float_t>(value));
    }
    return true;
  }

  // A string at p_ (on its opening quote) into `*out`. Plain ASCII is copied in
  // one piece; escapes and UTF-8 sequences are checked as nlohmann checks them.
  bool String(std::string* out) {
    ++p_;
    const char* run = p_;
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p_;
    }
    out->assign(run, static_cast<std::size_t>(p_ - run));
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c >= 0x80) {
        const std::size_t length = Utf8Length(p_, end_);
        if (length == 0) return false;
        out->append(p_, length);
        p_ += length;
      } else {
        out->push_back(static_cast<char>(c));
        ++p_;
      }
    }
    return false;  // no closing quote
  }

  // An escape at p_ (on its backslash), appended to `*out` as UTF-8. A \u escape
  // of a surrogate must be a high one followed by an escaped low one.
  bool Escape(std::string* out) {
    ++p_;
    if (p_ == end_) return false;
    const char e = *p_++;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out->push_back(e);
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    std::uint32_t code = 0;
    if (!Hex4(&code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a low surrogate first
    if (code >= 0xD800 && code <= 0xDBFF) {
      std::uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code, out);
    return true;
  }

  bool Hex4(std::uint32_t* code) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      std::uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *code = *code * 16 + digit;
    }
    return true;
  }

  static void AppendUtf8(std::uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  // The length of the well-formed UTF-8 sequence at `p` (Table 3-7 of Unicode, as
  // base/utf8.h and nlohmann check it: no overlong forms, no surrogates, nothing
  // above U+10FFFF), 0 if there is none.
  static std::size_t Utf8Length(const char* at, const char* end) {
    const auto* p = reinterpret_cast<const unsigned char*>(at);
    const unsigned c = p[0];
    std::size_t length = 0;
    unsigned low = 0x80, high = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c == 0xE0) {
      length = 3;
      low = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      length = 3;
    } else if (c == 0xED) {
      length = 3;
      high = 0x9F;
    } else if (c == 0xF0) {
      length = 4;
      low = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      length = 4;
    } else if (c == 0xF4) {
      length = 4;
      high = 0x8F;
    } else {
      return 0;
    }
    if (static_cast<std::size_t>(end - at) < length || p[1] < low || p[1] > high) return 0;
    for (std::size_t i = 2; i < length; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    }
    return length;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  void SkipDigits() {
    while (p_ != end_ && IsDigit(*p_)) ++p_;
  }
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  const char* p_;
  const char* const end_;
};

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

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read error");
  return buffer.str();
}

Result<Json> ParseJson(const std::string& text, const std::string& source) {
  Json document;
  if (FastParser(text).Parse(&document)) return document;
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
