//===- Csv.cpp - Numeric CSV files ------------------------------*- C++ -*-===//
//
// Reads a table of numbers, plain or gzip-compressed, into f32 or f64
// [rows, cols]:
// comma-separated fields, one row per line, every row as long as the first.
// A first line (after blank ones and a UTF-8 byte order mark) with some
// text and none of whose fields is a number is a header and is skipped (it
// must have as many fields as the rows); a first line with some numbers (or
// fields that are numbers with another separator, such as "1;2;3") and a
// bad field is a data row with a mistake. Numbers are decimal (no hex),
// possibly in double quotes; one too small for a double is 0. Errors name the
// line and field.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace credo::rt;

namespace {

/// Splits one line into fields; parses each as a finite number of at most
/// `most` in magnitude.
bool parseLine(const char *begin, const char *end, double most,
               std::vector<double> &out, size_t &badField) {
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
    // A quoted number ("1.5", as spreadsheets may write) is the number.
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    char *parsed = nullptr;
    errno = 0;
    double v = text.empty() ? NAN : std::strtod(text.c_str(), &parsed);
    // A number too small for a double (1e-400) is 0 or subnormal: finite.
    bool overflow = errno == ERANGE && std::fabs(v) >= 1.0;
    // The whole field is the number (a NUL byte inside it is not an end).
    if (text.empty() || parsed != text.c_str() + text.size() || overflow ||
        !std::isfinite(v) || std::fabs(v) > most ||
        text.find_first_of("xXpP") != std::string::npos) {
      badField = field;
      return false;
    }
    out.push_back(v);
    ++field;
    if (!comma)
      return true;
    p = comma + 1;
  }
}

/// Whether a field is a number followed by a separator that is not a
/// comma (after blanks, a quote): "1;2;3" or "0.5\t1" is a data field with
/// a mistake, not a header's name ("24h_volume", "infection_rate" and
/// "nanometers" are names).
bool startsWithNumber(const char *begin, const char *end) {
  std::string text(begin, end);
  size_t a = text.find_first_not_of(" \t\r\"");
  if (a == std::string::npos)
    return false;
  size_t i = a;
  if (text[i] == '+' || text[i] == '-')
    ++i;
  if (i < text.size() && text[i] == '.')
    ++i;
  if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i])))
    return false;
  char *parsed = nullptr;
  std::strtod(text.c_str() + a, &parsed);
  char next = *parsed;
  return next == ';' || next == '\t' || next == ' ' || next == '|';
}

/// The number of fields of a line, how many of them are (or start with)
/// numbers and how many hold any text.
struct FieldCount {
  size_t fields = 0, numbers = 0, written = 0;
};
FieldCount countFields(const char *begin, const char *end, double most) {
  FieldCount count;
  std::vector<double> one;
  for (const char *p = begin;;) {
    const char *comma =
        static_cast<const char *>(std::memchr(p, ',', size_t(end - p)));
    const char *stop = comma ? comma : end;
    size_t bad = 0;
    ++count.fields;
    count.numbers +=
        parseLine(p, stop, most, one, bad) || startsWithNumber(p, stop);
    for (const char *q = p; q < stop; ++q)
      if (*q != ' ' && *q != '\t' && *q != '\r') {
        ++count.written;
        break;
      }
    if (!comma)
      return count;
    p = comma + 1;
  }
}

credo_status readCsv(const char *path, credo_dtype dtype, credo_tensor *out) {
  std::vector<unsigned char> bytes;
  if (credo_status s = readMaybeGzipped(path, bytes))
    return s;
  const double most = dtype == CREDO_F64 ? DBL_MAX : double(FLT_MAX);
  std::vector<double> values, row;
  int64_t cols = -1, rows = 0;
  const char *text = reinterpret_cast<const char *>(bytes.data());
  const char *end = text + bytes.size();
  // A UTF-8 byte order mark (spreadsheets write one) is not data.
  if (bytes.size() >= 3 && std::memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    text += 3;
  int64_t line = 0, headerFields = -1;
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
      if (!parseLine(p, stop, most, row, bad)) {
        // The first line that is not blank is a header if it names
        // something and none of its fields is a number.
        FieldCount count = countFields(p, stop, most);
        if (rows == 0 && headerFields < 0 && count.numbers == 0 &&
            count.written > 0) {
          headerFields = int64_t(count.fields);
          p = nl ? nl + 1 : end;
          continue;
        }
        return fail(CREDO_ERR_FORMAT, std::string(path) + ":" +
                                          std::to_string(line) + ": field " +
                                          std::to_string(bad + 1) +
                                          " is not a finite number");
      }
      if (cols < 0) {
        cols = int64_t(row.size());
        if (headerFields >= 0 && headerFields != cols)
          return fail(CREDO_ERR_FORMAT,
                      std::string(path) + ": the header has " +
                          std::to_string(headerFields) +
                          " fields, but the rows have " + std::to_string(cols));
      }
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
  if (credo_status s = credo_tensor_alloc(out, dtype, 2, shape))
    return s;
  if (dtype == CREDO_F64)
    std::memcpy(out->data, values.data(), values.size() * sizeof(double));
  else
    std::copy(values.begin(), values.end(), static_cast<float *>(out->data));
  return CREDO_OK;
}

credo_status readCsvAs(const char *path, credo_dtype dtype, credo_tensor *out) {
  if (!path || !out)
    return fail(CREDO_ERR_INVALID_ARGUMENT, "null path or tensor");
  return guardedFileCall(path, "reading",
                         [&] { return readCsv(path, dtype, out); });
}
} // namespace

extern "C" credo_status credo_csv_read(const char *path, credo_tensor *out) {
  return readCsvAs(path, CREDO_F32, out);
}

extern "C" credo_status credo_csv_read_f64(const char *path,
                                           credo_tensor *out) {
  return readCsvAs(path, CREDO_F64, out);
}
