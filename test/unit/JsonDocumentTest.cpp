//===- JsonDocumentTest.cpp - Source positions of JSON values ---*- C++ -*-===//
//
// Checks that JsonDocument records where each value starts (by JSON pointer),
// maps offsets to line:col, escapes pointer tokens, and rejects bad input.
//
//===----------------------------------------------------------------------===//

#include "JsonDocument.h"

#include <gtest/gtest.h>

using mlir::credo::JsonDocument;

namespace {

std::pair<unsigned, unsigned> posOf(const JsonDocument &doc,
                                    const std::string &pointer) {
  return doc.lineCol(doc.offsetOf(pointer));
}

TEST(JsonDocument, RecordsStartOfEveryValue) {
  std::string text = "{\n  \"a\": [1, \"two\",\n        {\"b\": null}],\n"
                     "  \"c\":   -2.5e1 }";
  JsonDocument doc;
  std::string message;
  size_t offset = 0;
  ASSERT_TRUE(doc.parse(text, message, offset)) << message;
  EXPECT_EQ(posOf(doc, ""), std::make_pair(1u, 1u));
  EXPECT_EQ(posOf(doc, "/a"), std::make_pair(2u, 8u));
  EXPECT_EQ(posOf(doc, "/a/0"), std::make_pair(2u, 9u));
  EXPECT_EQ(posOf(doc, "/a/1"), std::make_pair(2u, 12u));
  EXPECT_EQ(posOf(doc, "/a/2"), std::make_pair(3u, 9u));
  EXPECT_EQ(posOf(doc, "/a/2/b"), std::make_pair(3u, 15u));
  EXPECT_EQ(posOf(doc, "/c"), std::make_pair(4u, 10u));
  EXPECT_EQ(doc.root()["c"].get<double>(), -25.0);
  // A pointer that names nothing falls back to its nearest ancestor.
  EXPECT_EQ(posOf(doc, "/a/2/missing/deeper"), std::make_pair(3u, 9u));
}

TEST(JsonDocument, EscapesPointerTokens) {
  EXPECT_EQ(JsonDocument::child("/x", "a/b~c"), "/x/a~1b~0c");
  EXPECT_EQ(JsonDocument::child("", size_t(3)), "/3");
  std::string text = "{\"a/b\": 1}";
  JsonDocument doc;
  std::string message;
  size_t offset = 0;
  ASSERT_TRUE(doc.parse(text, message, offset));
  EXPECT_EQ(doc.offsetOf("/a~1b"), 8u);
}

TEST(JsonDocument, ReportsSyntaxErrorPosition) {
  std::string text = "{\n  \"a\": [1, 2,,]\n}";
  JsonDocument doc;
  std::string message;
  size_t offset = 0;
  ASSERT_FALSE(doc.parse(text, message, offset));
  EXPECT_NE(message.find("JSON syntax error"), std::string::npos) << message;
  // The second comma, where a value was expected.
  EXPECT_EQ(doc.lineCol(offset), std::make_pair(2u, 14u));
}

TEST(JsonDocument, LimitsDepth) {
  std::string text(JsonDocument::kMaxDepth, '[');
  text += std::string(JsonDocument::kMaxDepth, ']');
  JsonDocument doc;
  std::string message;
  size_t offset = 0;
  EXPECT_TRUE(doc.parse(text, message, offset)) << message;
  text = "[" + text + "]";
  EXPECT_FALSE(doc.parse(text, message, offset));
  EXPECT_NE(message.find("nesting deeper than"), std::string::npos);
}

TEST(JsonDocument, RejectsNonFiniteNumbers) {
  for (const char *text : {"[1e400]", "[-1e400]", "[NaN]", "[Infinity]"}) {
    JsonDocument doc;
    std::string message;
    size_t offset = 0;
    EXPECT_FALSE(doc.parse(text, message, offset)) << text;
  }
}

TEST(JsonDocument, RejectsDuplicateKeys) {
  std::string text = "{\"a\": {\"b\": 1,\n \"b\": 2}}";
  JsonDocument doc;
  std::string message;
  size_t offset = 0;
  ASSERT_FALSE(doc.parse(text, message, offset));
  EXPECT_EQ(message, "duplicate key \"b\" in object at /a");
  EXPECT_EQ(doc.lineCol(offset), std::make_pair(2u, 2u));
}

} // namespace
