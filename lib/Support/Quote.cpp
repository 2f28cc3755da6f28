//===- Quote.cpp - Untrusted text in messages -------------------*- C++ -*-===//
//
// Escapes and bounds text from a user's file for an error message.
//
//===----------------------------------------------------------------------===//

#include "credo/Support/Quote.h"

namespace {
/// Copies at most `limit` bytes of `text`, writing each byte that `keep`
/// rejects as \xHH, and marks a cut with "...".
template <typename Keep>
std::string escape(llvm::StringRef text, size_t limit, Keep keep) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (keep(c)) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (text.size() > limit)
    out += "...";
  return out;
}
} // namespace

std::string mlir::credo::quoteForMessage(llvm::StringRef text, size_t limit) {
  return escape(text, limit, [](unsigned char c) {
    return c >= 0x20 && c < 0x7f && c != '\\';
  });
}

std::string mlir::credo::sanitizeLine(llvm::StringRef text, size_t limit) {
  return escape(text, limit,
                [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
}
