#include "base/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace cb {
namespace {

const std::string kFffd(kUtf8Replacement);
constexpr std::size_t npos = std::string_view::npos;

// An independent reference: decodes by bit pattern into a code point and then
// rules out what UTF-8 forbids (overlongs by comparing the code point with the
// shortest length, surrogates, > U+10FFFF). Whether the whole text is valid.
bool ReferenceValid(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n;
    uint32_t cp;
    if (b < 0x80) {
      n = 1;
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 2;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const uint32_t shortest = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (shortest != n || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += n;
  }
  return true;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s += static_cast<char>(b);
  return s;
}

TEST(Utf8, AcceptsEveryBoundaryOfTheEncoding) {
  for (const std::string& s : {std::string(), std::string("plain ascii"), std::string("nul \0 inside", 12),
                               Bytes({0x7F}), Bytes({0xC2, 0x80}), Bytes({0xDF, 0xBF}),
                               Bytes({0xE0, 0xA0, 0x80}), Bytes({0xED, 0x9F, 0xBF}),  // U+D7FF
                               Bytes({0xEE, 0x80, 0x80}),                             // U+E000
                               Bytes({0xEF, 0xBF, 0xBF}),                             // U+FFFF
                               Bytes({0xF0, 0x90, 0x80, 0x80}),                       // U+10000
                               Bytes({0xF4, 0x8F, 0xBF, 0xBF}),                       // U+10FFFF
                               std::string("Stra\xC3\x9F"
                                           "e \xE2\x82\xAC \xF0\x9F\x9A\x91")}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(FindInvalidUtf8(s), npos);
    EXPECT_EQ(RepairUtf8(s), s);
  }
}

TEST(Utf8, RefusesOverlongsSurrogatesTooLargeTruncatedAndStrayBytes) {
  struct Case {
    std::string text;
    std::size_t first_bad;
    std::string repaired;
  };
  const Case cases[] = {
      {Bytes({0xC0, 0x80}), 0, kFffd + kFffd},                              // overlong NUL
      {Bytes({0xC1, 0xBF}), 0, kFffd + kFffd},                              // overlong U+007F
      {Bytes({0xE0, 0x80, 0xAF}), 0, kFffd + kFffd + kFffd},                // overlong '/'
      {Bytes({0xE0, 0x9F, 0xBF}), 0, kFffd + kFffd + kFffd},                // overlong U+07FF
      {Bytes({0xF0, 0x8F, 0xBF, 0xBF}), 0, kFffd + kFffd + kFffd + kFffd},  // overlong U+FFFF
      {Bytes({0xED, 0xA0, 0x80}), 0, kFffd + kFffd + kFffd},                // U+D800, a surrogate
      {Bytes({0xED, 0xBF, 0xBF}), 0, kFffd + kFffd + kFffd},                // U+DFFF
      {Bytes({0xF4, 0x90, 0x80, 0x80}), 0, kFffd + kFffd + kFffd + kFffd},  // U+110000
      {Bytes({0xF5, 0x80, 0x80, 0x80}), 0, kFffd + kFffd + kFffd + kFffd},
      {Bytes({0xFF, 0xFE}), 0, kFffd + kFffd},                  // the attacker's path bytes
      {"ab" + Bytes({0x80}), 2, "ab" + kFffd},                  // stray continuation byte
      {"a" + Bytes({0xE2, 0x82}), 1, "a" + kFffd},              // truncated at the end: one U+FFFD
      {"a" + Bytes({0xE2, 0x82}) + "b", 1, "a" + kFffd + "b"},  // truncated in the middle
      {Bytes({0xF0, 0x9F, 0x9A}), 0, kFffd},                    // three of four bytes
      {Bytes({0xC3}), 0, kFffd},
      // Unicode's own example (chapter 3, "U+FFFD Substitution of Maximal Subparts").
      {Bytes({0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64}), 1,
       "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.text)) << testing::PrintToString(c.text);
    EXPECT_EQ(FindInvalidUtf8(c.text), c.first_bad) << testing::PrintToString(c.text);
    const std::string repaired = RepairUtf8(c.text);
    EXPECT_EQ(repaired, c.repaired) << testing::PrintToString(c.text) << " -> "
                                    << testing::PrintToString(repaired);
    EXPECT_TRUE(IsValidUtf8(repaired));
    EXPECT_EQ(RepairUtf8(repaired), repaired);  // idempotent
  }
}

// Every string of one or two bytes, and every three- and four-byte string that
// starts with a multi-byte lead (the interesting part of the space), agree with
// the reference decoder; repair always yields valid text and keeps valid text.
TEST(Utf8, AgreesWithAReferenceDecoderExhaustively) {
  auto check = [](const std::string& s) {
    const bool valid = IsValidUtf8(s);
    if (valid != ReferenceValid(s)) {
      ADD_FAILURE() << "disagree on " << testing::PrintToString(s);
      return false;
    }
    const std::string repaired = RepairUtf8(s);
    if (!IsValidUtf8(repaired) || (valid && repaired != s) || (!valid && repaired == s)) {
      ADD_FAILURE() << "bad repair of " << testing::PrintToString(s);
      return false;
    }
    return true;
  };
  for (int a = 0; a < 256; ++a) {
    if (!check(Bytes({a}))) return;
    for (int b = 0; b < 256; ++b) {
      if (!check(Bytes({a, b}))) return;
    }
  }
  for (int a = 0xC0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c = 0; c < 256; ++c) {
        if (!check(Bytes({a, b, c}))) return;
      }
    }
  }
  const int tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xE0, 0xF4, 0xFF};
  for (int a = 0xF0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : tails) {
        for (int d : tails) {
          if (!check(Bytes({a, b, c, d}))) return;
        }
      }
    }
  }
}

TEST(Utf8, ClipCutsBetweenCharactersAndRepairsFirst) {
  const std::string euro = "\xE2\x82\xAC";
  EXPECT_EQ(ClipUtf8("abc", 3), "abc");
  EXPECT_EQ(ClipUtf8("abcd", 3), "abc...");
  EXPECT_EQ(ClipUtf8("ab" + euro, 5), "ab" + euro);
  EXPECT_EQ(ClipUtf8("ab" + euro + "x", 4), "ab...");  // not inside the euro sign
  EXPECT_EQ(ClipUtf8("ab" + euro + "x", 3, ""), "ab");
  EXPECT_EQ(ClipUtf8(euro + euro, 1, ""), "");
  EXPECT_EQ(ClipUtf8(Bytes({0xFF, 'a'}), 10), kFffd + "a");
  EXPECT_EQ(ClipUtf8(Bytes({0xFF, 0xFF}), 4), kFffd + "...");
  for (std::size_t max = 0; max < 12; ++max) {
    EXPECT_TRUE(IsValidUtf8(ClipUtf8(Bytes({'a', 0xF0, 0x9F, 0x9A, 0x91, 0xFE, 'b', 0xC3, 0xA9}), max)));
  }
}

}  // namespace
}  // namespace cb
