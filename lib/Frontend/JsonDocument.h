//===- JsonDocument.h - JSON parsing with source positions ------*- C++ -*-===//
//
// Parses JSON text with nlohmann/json and remembers where each value starts,
// keyed by its JSON pointer, so that the importer can point at the exact
// line and column of a bad value. Limits nesting depth, rejects non-finite
// numbers, and never throws.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_FRONTEND_JSONDOCUMENT_H
#define CREDO_LIB_FRONTEND_JSONDOCUMENT_H

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mlir::credo {

class JsonDocument {
public:
  /// Deepest nesting of objects and arrays accepted.
  static constexpr unsigned kMaxDepth = 64;

  /// Parses `text`. On failure returns false and sets `message` and the byte
  /// `errorOffset` of the problem.
  bool parse(const std::string &text, std::string &message,
             size_t &errorOffset);

  const nlohmann::json &root() const { return rootValue; }

  /// Byte offset where the value at `pointer` starts; falls back to the
  /// nearest enclosing value, then to 0.
  size_t offsetOf(std::string pointer) const;

  /// 1-based line and column (in bytes) of a byte offset.
  std::pair<unsigned, unsigned> lineCol(size_t offset) const;

  /// Whether the string value at `pointer` is written with escapes (\n,
  /// \u2297, …), so that its bytes are not the file's.
  bool hasEscapes(const std::string &pointer) const;

  /// Appends a RFC 6901 escaped reference token to `pointer`.
  static std::string child(const std::string &pointer, const std::string &key);
  static std::string child(const std::string &pointer, size_t index) {
    return pointer + "/" + std::to_string(index);
  }

private:
  friend class LocatingSax;
  nlohmann::json rootValue;
  std::unordered_map<std::string, size_t> offsets;
  std::vector<size_t> lineStarts;
  std::string source;
};

} // namespace mlir::credo

#endif // CREDO_LIB_FRONTEND_JSONDOCUMENT_H
