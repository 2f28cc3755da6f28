//===- Quote.cpp - Untrusted text in messages -------------------*- C++ -*-===//
//
// Escapes and bounds text from a user's file for an error message.
//
//===----------------------------------------------------------------------===//

#include "credo/Support/Quote.h"

#include "llvm/Support/ConvertUTF.h"

#include <vector>

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
  // Bytes of a well-formed UTF-8 sequence are kept, any other byte from
  // 0x80 up escaped (a file's stray 0xFF would make the message itself
  // invalid UTF-8).
  std::vector<bool> inSequence(std::min(text.size(), limit), false);
  for (size_t i = 0; i < inSequence.size();) {
    auto *at = reinterpret_cast<const llvm::UTF8 *>(text.data() + i);
    unsigned n = llvm::getNumBytesForUTF8(*at);
    if (*at >= 0x80 && i + n <= text.size() &&
        llvm::isLegalUTF8Sequence(at, at + n)) {
      for (unsigned j = 0; j < n && i + j < inSequence.size(); ++j)
        inSequence[i + j] = true;
      i += n;
    } else {
      ++i;
    }
  }
  size_t i = 0;
  return escape(text, limit, [&](unsigned char c) {
    bool sequence = i < inSequence.size() && inSequence[i];
    ++i;
    return c >= 0x80 ? sequence : c >= 0x20 && c != 0x7f;
  });
}
