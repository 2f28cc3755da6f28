//===- Csv.cpp - Numeric CSV files ------------------------------*- C++ -*-===//
//
// Reads a table of numbers, plain or gzip-compressed, into f32 [rows, cols]:
// comma-separated fields, one row per line, every row as long as the first.
// A first line whose fields are not all numbers is a header and is skipped.
// Errors name the line and field.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace credo::rt;

namespace {

/// Splits one line into fields; parses each as a finite number.
bool parseLine(const char *begin, const char *end, std::vector<float> &out,
               size_t &badField) {
  out.clear();
  size_t field = 0;
  const char *p = begin;
  while (true) {
    const char *comma =
        static_cast<const char *>(std::memchr(p, ',', size_t(end - p)));
    const char *stop = comma ? comma : end;
    std::string text(p, stop);
    size_t a = text.find_first_not_of(" \t\r"),
           b = text.find_last_not_of(" \t\r");
    text = a == std::string::npos ? "" : text.substr(a, b - a + 1);
    char *parsed = nullptr;
    errno = 0;
    double v = text.empty() ? NAN : std::strtod(text.c_str(), &parsed);
    if (text.empty() || *parsed != '\0' || errno == ERANGE ||
        !std::isfinite(v) || std::fabs(v) > 3.4e38) {
      badField = field;
      return false;
    }
    out.push_back(float(v));
    ++field;
    if (!comma)
      return true;
    p = comma + 1;
  }
}

credo_status readCsv(const char *path, credo_tensor *out) {
  std::vector<unsigned char> bytes;
  if (credo_status s = readMaybeGzipped(path, bytes))
    return s;
  std::vector<float> values, row;
  int64_t cols = -1, rows = 0;
  const char *text = reinterpret_cast<const char *>(bytes.data());
  const char *end = text + bytes.size();
  int64_t line = 0;
  for (const char *p = text; p < end;) {
    const char *nl =
        static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
    const char *stop = nl ? nl : end;
    ++line;
    bool blank = true;
    for (const char *q = p; q < stop; ++q)
      blank = blank && (*q == ' ' || *q == '\t' || *q == '\r');
    if (!blank) {
      size_t bad = 0;
      if (!parseLine(p, stop, row, bad)) {
        if (line == 1 && rows == 0) { // a header
          p = nl ? nl + 1 : end;
          continue;
        }
        return fail(CREDO_ERR_FORMAT, std::string(path) + ":" +
                                          std::to_string(line) + ": field " +
                                          std::to_string(bad + 1) +
                                          " is not a finite number");
      }
      if (cols < 0)
        cols = int64_t(row.size());
      if (int64_t(row.size()) != cols)
        return fail(CREDO_ERR_FORMAT, std::string(path) + ":" +
                                          std::to_string(line) + ": " +
                                          std::to_string(row.size()) +
                                          " fields, but the first "
                                          "row has " +
                                          std::to_string(cols));
      values.insert(values.end(), row.begin(), row.end());
      ++rows;
    }
    p = nl ? nl + 1 : end;
  }
  if (rows == 0)
    return fail(CREDO_ERR_FORMAT, std::string(path) + ": no rows of numbers");
  int64_t shape[2] = {rows, cols};
  if (credo_status s = credo_tensor_alloc(out, CREDO_F32, 2, shape))
    return s;
  std::memcpy(out->data, values.data(), values.size() * sizeof(float));
  return CREDO_OK;
}
} // namespace

extern "C" credo_status credo_csv_read(const char *path, credo_tensor *out) {
  if (!path || !out)
    return fail(CREDO_ERR_INVALID_ARGUMENT, "null path or tensor");
  return guardedFileCall(path, "reading", [&] { return readCsv(path, out); });
}
