//===- JsonDocument.cpp - JSON parsing with source positions ----*- C++ -*-===//
//
// A SAX handler builds the nlohmann DOM and records the start offset of every
// value. Offsets come from an input iterator that publishes how far the lexer
// has read; the start of a value is the first byte after the previous token
// that is not whitespace, ',' or ':'.
//
//===----------------------------------------------------------------------===//

#include "JsonDocument.h"

#include <algorithm>
#include <cmath>
#include <iterator>

using json = nlohmann::json;

namespace mlir::credo {

namespace {
/// A char iterator that records in `*mark` how far it has advanced.
struct CountingIterator {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char *;
  using reference = const char &;

  const char *pos = nullptr;
  const char **mark = nullptr;

  reference operator*() const { return *pos; }
  CountingIterator &operator++() {
    ++pos;
    *mark = pos;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator &o) const { return pos == o.pos; }
  bool operator!=(const CountingIterator &o) const { return pos != o.pos; }
};
} // namespace

/// Builds the DOM like nlohmann's own SAX DOM parser, and records offsets.
class LocatingSax {
public:
  LocatingSax(JsonDocument &doc, const std::string &text, const char **mark)
      : doc(doc), text(text), mark(mark) {}

  std::string message;
  size_t errorOffset = 0;

  bool null() { return value(nullptr); }
  bool boolean(bool v) { return value(v); }
  bool number_integer(json::number_integer_t v) { return value(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(v); }
  bool number_float(json::number_float_t v, const json::string_t &) {
    if (!std::isfinite(v))
      return fail(tokenStart(), "number out of range");
    return value(v);
  }
  bool string(json::string_t &v) { return value(std::move(v)); }
  bool binary(json::binary_t &) {
    return fail(tokenStart(), "binary values are not JSON");
  }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool key(json::string_t &k) {
    size_t start = tokenStart();
    prevEnd = consumed();
    if (frames.back().node->contains(k))
      return fail(start,
                  "duplicate key \"" + k + "\" in object at " +
                      (frames.back().pointer.empty() ? std::string("/")
                                                     : frames.back().pointer));
    frames.back().key = k;
    return true;
  }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string &lastToken,
                   const nlohmann::detail::exception &ex) {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error
    // at line 1, column 5: syntax error while parsing value - ..."; keep the
    // part after the position, which we report ourselves.
    std::string what = ex.what();
    size_t colon = what.find(": ", what.find("column"));
    if (what.find("column") != std::string::npos && colon != std::string::npos)
      what = what.substr(colon + 2);
    else if (size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    char last = lastToken.empty() ? 0 : lastToken.back();
    if (what.find("invalid literal") != std::string::npos &&
        (last == 'N' || last == 'I' || last == 'n' || last == 'i'))
      what += " (NaN and Infinity are not JSON numbers)";
    // `position` counts characters read; point at the last one read.
    return fail(position > 0 ? position - 1 : 0, "JSON syntax error: " + what);
  }

private:
  struct Frame {
    json *node;
    std::string pointer;
    std::string key;
    size_t index = 0;
  };

  size_t consumed() const { return static_cast<size_t>(*mark - text.data()); }

  /// Offset where the token just read started.
  size_t tokenStart() const {
    size_t p = prevEnd;
    while (p < text.size() &&
           (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' ||
            text[p] == '\r' || text[p] == ',' || text[p] == ':'))
      ++p;
    return p;
  }

  bool fail(size_t offset, std::string msg) {
    if (message.empty()) {
      message = std::move(msg);
      errorOffset = std::min(offset, text.size());
    }
    return false;
  }

  /// Places `v` in the current container (or at the root) and returns it.
  json *place(json &&v, std::string &pointer) {
    size_t start = tokenStart();
    prevEnd = consumed();
    if (frames.empty()) {
      doc.rootValue = std::move(v);
      pointer = "";
      doc.offsets[pointer] = start;
      return &doc.rootValue;
    }
    Frame &f = frames.back();
    json *slot;
    if (f.node->is_array()) {
      pointer = JsonDocument::child(f.pointer, f.index++);
      f.node->push_back(std::move(v));
      slot = &f.node->back();
    } else {
      pointer = JsonDocument::child(f.pointer, f.key);
      slot = &((*f.node)[f.key] = std::move(v));
    }
    doc.offsets[pointer] = start;
    return slot;
  }

  template <typename T> bool value(T &&v) {
    std::string pointer;
    place(json(std::forward<T>(v)), pointer);
    return true;
  }

  bool open(json &&container) {
    if (frames.size() >= JsonDocument::kMaxDepth)
      return fail(tokenStart(), "JSON nesting deeper than " +
                                    std::to_string(JsonDocument::kMaxDepth) +
                                    " levels");
    std::string pointer;
    json *node = place(std::move(container), pointer);
    frames.push_back(Frame{node, pointer, {}, 0});
    return true;
  }

  bool close() {
    prevEnd = consumed();
    frames.pop_back();
    return true;
  }

  JsonDocument &doc;
  const std::string &text;
  const char **mark;
  std::vector<Frame> frames;
  size_t prevEnd = 0;
};

bool JsonDocument::parse(const std::string &text, std::string &message,
                         size_t &errorOffset) {
  source = text;
  lineStarts.assign(1, 0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      lineStarts.push_back(i + 1);
  offsets.clear();
  rootValue = nullptr;
  const char *mark = text.data();
  LocatingSax sax(*this, text, &mark);
  CountingIterator first{text.data(), &mark};
  CountingIterator last{text.data() + text.size(), &mark};
  bool ok;
  try {
    ok = json::sax_parse(first, last, &sax);
  } catch (const std::exception &e) {
    ok = false;
    if (sax.message.empty()) {
      sax.message = std::string("JSON error: ") + e.what();
      sax.errorOffset = static_cast<size_t>(mark - text.data());
    }
  }
  // nlohmann/json ends its input at a NUL byte, which would accept a model
  // followed by "\0garbage": a NUL is an error at its place, unless the text
  // before it already had one.
  size_t nul = text.find('\0');
  if (nul != std::string::npos && (ok || sax.errorOffset >= nul)) {
    message = "a NUL byte (JSON text cannot contain one)";
    errorOffset = nul;
    return false;
  }
  if (ok)
    return true;
  message = sax.message.empty() ? "JSON syntax error" : sax.message;
  errorOffset = sax.errorOffset;
  return false;
}

size_t JsonDocument::offsetOf(std::string pointer) const {
  while (true) {
    auto it = offsets.find(pointer);
    if (it != offsets.end())
      return it->second;
    size_t slash = pointer.rfind('/');
    if (slash == std::string::npos)
      return 0;
    pointer.resize(slash);
  }
}

bool JsonDocument::hasEscapes(const std::string &pointer) const {
  size_t at = offsetOf(pointer);
  if (at >= source.size() || source[at] != '"')
    return false;
  for (size_t i = at + 1; i < source.size() && source[i] != '"'; ++i)
    if (source[i] == '\\')
      return true;
  return false;
}

std::pair<unsigned, unsigned> JsonDocument::lineCol(size_t offset) const {
  auto it = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
  size_t line = static_cast<size_t>(it - lineStarts.begin());
  size_t col = offset - lineStarts[line - 1] + 1;
  return {static_cast<unsigned>(line), static_cast<unsigned>(col)};
}

std::string JsonDocument::child(const std::string &pointer,
                                const std::string &key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

} // namespace mlir::credo
