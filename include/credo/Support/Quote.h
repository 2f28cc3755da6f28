//===- Quote.h - Untrusted text in messages ---------------------*- C++ -*-===//
//
// Names and values that come from a user's file appear in error messages
// escaped and bounded, so that a 5 MB name or a raw NUL never reaches the
// terminal as it is.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_SUPPORT_QUOTE_H
#define CREDO_SUPPORT_QUOTE_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::credo {

/// A printable copy of `text`: bytes outside printable ASCII (and the
/// backslash) as \xNN, cut after `limit` characters with "...". UTF-8
/// letters are escaped too, so a message is plain ASCII.
std::string quoteForMessage(llvm::StringRef text, size_t limit = 80);

/// `text` as one line of a terminal: control bytes (NUL, ESC, newlines) and
/// bytes that are not part of well-formed UTF-8 as \xNN, other bytes (UTF-8
/// letters) kept, cut after `limit` bytes with "...".
std::string sanitizeLine(llvm::StringRef text, size_t limit = 4096);

} // namespace mlir::credo

#endif // CREDO_SUPPORT_QUOTE_H
