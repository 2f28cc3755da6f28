//===- LocalRule.cpp - Learning rules written as update expressions -*- C++
//-*-//
//
// Implements credo-local-rule (rule "local"): each trained parameter's
// update, written in the graph's training section as an expression over
// the quantities at its synapses (pre- and post-synaptic activity, the
// layer's drive, the weight, any value of the graph, named constants),
// compiled to credo ops in @gradients. docs/rules.md gives the syntax.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "FuncResults.h"
#include "MakeOp.h"
#include "TimeLoops.h"

#include "Credo/IR/CredoInterfaces.h"
#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringExtras.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOLOCALRULE
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// What a value of an expression ranges over: the batch (per sample) or
/// not, then its unit dimensions (0 to 2 for a value of the graph; `w`,
/// the parameter, has its own rank, up to kMaxUnits).
struct Kind {
  int64_t steps = 0; ///< the time loop's steps, 0: not per step
  bool batch = false;
  SmallVector<int64_t, 2> units;
  bool operator==(const Kind &o) const {
    return steps == o.steps && batch == o.batch && units == o.units;
  }
};

std::string describe(const Kind &k) {
  if (!k.steps && !k.batch && k.units.empty())
    return "a scalar";
  std::string s = "[";
  if (k.steps)
    s += std::to_string(k.steps) + " steps";
  if (k.batch)
    s += s.size() > 1 ? ", " : "";
  if (k.batch)
    s += "batch";
  for (int64_t u : k.units)
    s += (s.size() > 1 ? ", " : "") + std::to_string(u);
  return s + "]";
}

/// The unit letters, right-aligned: a value of two units is "ij", a
/// convolution kernel [O, C, KH, KW] "ghij".
constexpr llvm::StringLiteral kUnitLetters = "cdefghij";
constexpr size_t kMaxUnits = kUnitLetters.size();

/// The einsum letters of `k`: "t" for the steps, "b" for the batch, then its
/// units right-aligned on kUnitLetters.
std::string letters(const Kind &k) {
  return std::string(k.steps ? "t" : "") + std::string(k.batch ? "b" : "") +
         kUnitLetters.substr(kMaxUnits - k.units.size()).str();
}

struct Val {
  Value v;
  Kind k;
};

/// The value of `v` when it is a constant with one value throughout.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr c;
  if (!matchPattern(v, m_Constant(&c)) || !c.isSplat())
    return std::nullopt;
  return c.getSplatValue<APFloat>().convertToDouble();
}

/// One update expression: parsed and emitted in one recursive descent.
class Compiler {
public:
  Compiler(OpBuilder &b, func::FuncOp func, const TrainingContract &contract,
           const TrainingContract::WrittenUpdate &update,
           const llvm::DenseMap<Operation *, Value> &postOf, Value &outputError,
           llvm::DenseMap<Value, Value> &recordedSteps, RetiredLoops &retired)
      : b(b), func(func), contract(contract), update(update), text(update.expr),
        loc(Location(update.loc)), postOf(postOf), outputError(outputError),
        recordedSteps(recordedSteps), retired(retired) {}

  /// Each dense layer's `post`: the activation (or LIF spikes) that is its
  /// result's one use in the graph as written, found before any rule adds
  /// uses of its own (an update reading `drive` must not turn `post` into
  /// `drive`).
  static llvm::DenseMap<Operation *, Value> postActivations(func::FuncOp f) {
    llvm::DenseMap<Operation *, Value> post;
    f.walk([&](DenseOp dense) {
      Value v = dense.getResult();
      if (!v.hasOneUse())
        return;
      Operation *user = *v.getUsers().begin();
      if (isa<ReluOp, SigmoidOp, TanhOp, SoftplusOp>(user))
        post[dense] = user->getResult(0);
      else if (auto lif = dyn_cast<LifOp>(user))
        post[dense] = lif.getSpikes();
    });
    return post;
  }

  FailureOr<Value> run(RankedTensorType target);

private:
  // Lexing.
  void skipSpace() {
    while (pos < text.size() && std::isspace((unsigned char)text[pos]))
      ++pos;
  }
  bool eat(StringRef token) {
    skipSpace();
    if (!text.substr(pos).starts_with(token))
      return false;
    pos += token.size();
    return true;
  }
  bool atEnd() {
    skipSpace();
    return pos >= text.size();
  }

  /// An error at byte `at` of the expression: the file position of the
  /// JSON string's character when the location is a file position.
  InFlightDiagnostic error(size_t at) {
    Location where = loc;
    if (auto file = dyn_cast<FileLineColLoc>(loc))
      where = FileLineColLoc::get(file.getFilename(), file.getLine(),
                                  file.getColumn() + 1 + unsigned(at));
    // The column counts characters (⊗ is three bytes in UTF-8).
    unsigned column = 1;
    for (size_t i = 0; i < at && i < text.size(); ++i)
      column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    InFlightDiagnostic d = emitError(where);
    d << "in the update of '" << update.param << "', at column " << column
      << " of \"" << excerpt(at) << "\": ";
    return d;
  }
  /// The expression, or for a long one the part around byte `at` (whole
  /// UTF-8 characters), so that the message keeps its reason.
  std::string excerpt(size_t at) const {
    constexpr size_t kSide = 40;
    if (text.size() <= 3 * kSide)
      return text.str();
    auto start = [&](size_t i) {
      while (i > 0 && i < text.size() &&
             (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
        --i;
      return i;
    };
    size_t from = start(at > kSide ? at - kSide : 0);
    size_t to = start(std::min(text.size(), at + kSide));
    if (to < text.size() && to <= at)
      to = text.size();
    return (from ? "…" : "") + text.slice(from, to).str() +
           (to < text.size() ? "…" : "");
  }
  /// The UTF-8 character at byte `at`, for messages.
  StringRef characterAt(size_t at) const {
    unsigned char c = static_cast<unsigned char>(text[at]);
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return text.substr(at, n);
  }
  /// The character at byte `at`, quoted, with its code point when it is
  /// not printable ASCII (a no-break space shows as "' ' (U+00A0)").
  std::string quotedCharacterAt(size_t at) const {
    StringRef c = characterAt(at);
    std::string shown = "'" + c.str() + "'";
    unsigned char lead = static_cast<unsigned char>(c[0]);
    if (c.size() == 1 && lead >= 0x20 && lead < 0x7F)
      return shown;
    uint32_t code = c.size() == 1   ? lead
                    : c.size() == 2 ? lead & 0x1F
                    : c.size() == 3 ? lead & 0x0F
                                    : lead & 0x07;
    for (char more : c.drop_front())
      code = code << 6 | (static_cast<unsigned char>(more) & 0x3F);
    char buf[16];
    std::snprintf(buf, sizeof(buf), " (U+%04X)", unsigned(code));
    return shown + buf;
  }
  static std::string shortNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return buf;
  }
  /// Checks that a number written in the rule (a literal, a constant, or
  /// one folded from them) is representable in the step's float type.
  LogicalResult checkNumber(double value, size_t at, const Twine &what) {
    bool f32 = elementType.isF32();
    double max = f32 ? double(std::numeric_limits<float>::max())
                     : std::numeric_limits<double>::max();
    double min = f32 ? double(std::numeric_limits<float>::min())
                     : std::numeric_limits<double>::min();
    const char *type = f32 ? "f32" : "f64";
    if (!std::isfinite(value) || std::abs(value) > max)
      return error(at) << what << " is outside the range of " << type << " ("
                       << shortNumber(max) << ")";
    if (value != 0 && std::abs(value) < min)
      return error(at) << what << " is too small for " << type
                       << ": it would lose its precision or become 0 "
                          "(the smallest normal number is "
                       << shortNumber(min) << ")";
    return success();
  }

  FailureOr<Val> parseSum();
  FailureOr<Val> parseProduct();
  FailureOr<Val> parseUnary();
  FailureOr<Val> parsePower();
  FailureOr<Val> parsePrimary();
  FailureOr<Val> symbol(StringRef name, size_t at);
  FailureOr<Val> call(StringRef name, size_t at, ArrayRef<Val> args,
                      ArrayRef<size_t> argAt);

  // Emission.
  RankedTensorType typeOf(const Kind &k) {
    SmallVector<int64_t> shape;
    if (k.steps)
      shape.push_back(k.steps);
    if (k.batch)
      shape.push_back(batch);
    shape.append(k.units.begin(), k.units.end());
    return RankedTensorType::get(shape, elementType);
  }
  Value constant(const Kind &k, double value) {
    RankedTensorType t = typeOf(k);
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(t, b.getFloatAttr(elementType, value)));
  }
  Value einsum(StringRef spec, ValueRange operands) {
    return make<EinsumOp>(b, loc, operands,
                          {b.getNamedAttr("spec", b.getStringAttr(spec))});
  }
  Value scale(Value v, double factor) {
    return make<ScaleOp>(b, loc, {v},
                         {b.getNamedAttr("factor", b.getF64FloatAttr(factor))});
  }
  /// `v` broadcast to `k` (a kind it broadcasts to).
  Value broadcast(const Val &v, const Kind &k) {
    if (v.k == k)
      return v.v;
    return einsum(letters(v.k) + "," + letters(k) + "->" + letters(k),
                  {v.v, constant(k, 1.0)});
  }
  /// `shown`: the operator the message names ('^' for a power's products).
  FailureOr<Val> binary(char op, const Val &x, const Val &y, size_t at,
                        char shown = 0);
  /// y_t = exp(−1/τ)·y_{t−1} + x_t over the steps of `x`.
  FailureOr<Val> trace(const Val &x, const Val &tau, size_t xAt, size_t tauAt);

  /// The dense layer that reads the parameter, for pre, post and drive.
  FailureOr<DenseOp> layer(StringRef symbolName, size_t at);

  OpBuilder &b;
  func::FuncOp func;
  const TrainingContract &contract;
  const TrainingContract::WrittenUpdate &update;
  StringRef text;
  Location loc;
  /// Each dense layer's `post` (postActivations).
  const llvm::DenseMap<Operation *, Value> &postOf;
  /// `error`, computed once per function and shared by the updates.
  Value &outputError;
  /// The recorded steps of values inside a time loop, by value.
  llvm::DenseMap<Value, Value> &recordedSteps;
  /// Loops replaced while the updates are built (erased when they are).
  RetiredLoops &retired;
  size_t pos = 0;
  int depth = 0;
  int64_t batch = 1;
  Type elementType;
  Value param;
};

FailureOr<Value> Compiler::run(RankedTensorType target) {
  elementType = target.getElementType();
  Block &body = func.getBody().front();
  for (Operation &op : body)
    if (auto read = dyn_cast<GetParamOp>(op))
      if (read.getName() == update.param)
        param = read.getResult();
  if (func.getNumArguments() > 0)
    if (auto t = dyn_cast<RankedTensorType>(func.getArgument(0).getType());
        t && t.getRank() > 0)
      batch = t.getDimSize(0);
  FailureOr<Val> result = parseSum();
  if (failed(result))
    return failure();
  if (!atEnd()) {
    if (characterAt(pos) == ")")
      return error(pos) << "unmatched ')' (no '(' before it)";
    return error(pos) << "unexpected " << quotedCharacterAt(pos)
                      << " (an operator or the end was expected)";
  }
  Kind want;
  want.units.append(target.getShape().begin(), target.getShape().end());
  if (result->k.steps)
    return error(0) << "the update is per step (" << describe(result->k)
                    << "); sum it over the window with ⊗, mean(...) or "
                       "sum(...)";
  if (result->k.batch)
    return error(0) << "the update is per sample (" << describe(result->k)
                    << "); average it over the batch with mean(...) or sum "
                       "it with sum(...)";
  if (result->k.units != want.units) {
    InFlightDiagnostic d = error(0) << "the update is " << describe(result->k)
                                    << ", but '" << update.param << "' is "
                                    << describe(want);
    if (want.units.size() == 2)
      d << " (a dense weight is [inputs, outputs]: pre ⊗ post)";
    return d;
  }
  return result->v;
}

FailureOr<Val> Compiler::binary(char op, const Val &x, const Val &y, size_t at,
                                char shown) {
  Kind k;
  if (x.k.steps && y.k.steps && x.k.steps != y.k.steps)
    return error(at) << "cannot combine values of time loops of " << x.k.steps
                     << " and " << y.k.steps << " steps";
  k.steps = std::max(x.k.steps, y.k.steps);
  k.batch = x.k.batch || y.k.batch;
  size_t rank = std::max(x.k.units.size(), y.k.units.size());
  for (size_t d = 0; d < rank; ++d) {
    // Right-aligned: position d of the result.
    auto dim = [&](const Kind &v) -> int64_t {
      size_t off = rank - v.units.size();
      return d < off ? -1 : v.units[d - off];
    };
    int64_t a = dim(x.k), c = dim(y.k);
    if (a >= 0 && c >= 0 && a != c)
      return error(at) << "cannot combine " << describe(x.k) << " and "
                       << describe(y.k) << " with '" << op << "'";
    k.units.push_back(a >= 0 ? a : c);
  }
  // Numbers alone fold, so that one out of range is found here.
  std::optional<double> cx = splatValue(x.v), cy = splatValue(y.v);
  if (x.k == Kind{} && y.k == Kind{} && cx && cy) {
    double a = *cx, c = *cy;
    if (op == '/' && c == 0)
      return error(at) << "division by zero";
    double r = op == '+'   ? a + c
               : op == '-' ? a - c
               : op == '*' ? a * c
                           : a / c;
    if (failed(checkNumber(
            r, at, Twine("the result of '") + Twine(shown ? shown : op) + "'")))
      return failure();
    return Val{constant(Kind{}, r), Kind{}};
  }
  if (op == '/' && cy && *cy == 0)
    return error(at) << "division by zero";
  if (op == '*')
    return Val{einsum(letters(x.k) + "," + letters(y.k) + "->" + letters(k),
                      {x.v, y.v}),
               k};
  Value l = broadcast(x, k), r = broadcast(y, k);
  Value v;
  if (op == '+')
    v = make<AddOp>(b, loc, {l, r});
  else if (op == '-')
    v = make<SubOp>(b, loc, {l, r});
  else
    v = make<DivOp>(b, loc, {l, r});
  return Val{v, k};
}

FailureOr<Val> Compiler::parseSum() {
  FailureOr<Val> x = parseProduct();
  while (succeeded(x)) {
    skipSpace();
    size_t at = pos;
    char op = eat("+") ? '+' : eat("-") ? '-' : 0;
    if (!op)
      break;
    FailureOr<Val> y = parseProduct();
    if (failed(y))
      return failure();
    x = binary(op, *x, *y, at);
  }
  return x;
}

FailureOr<Val> Compiler::parseProduct() {
  FailureOr<Val> x = parseUnary();
  while (succeeded(x)) {
    skipSpace();
    size_t at = pos;
    if (eat("⊗")) {
      size_t argAt = pos;
      FailureOr<Val> y = parseUnary();
      if (failed(y))
        return failure();
      x = call("outer", at, {*x, *y}, {at, argAt});
      continue;
    }
    char op = eat("*") ? '*' : eat("/") ? '/' : 0;
    if (!op)
      break;
    FailureOr<Val> y = parseUnary();
    if (failed(y))
      return failure();
    x = binary(op, *x, *y, at);
  }
  return x;
}

FailureOr<Val> Compiler::parseUnary() {
  // Parentheses, calls and signs nest through here: bound the recursion.
  struct Depth {
    int &d;
    ~Depth() { --d; }
  } guard{++depth};
  if (depth > 100)
    return error(pos) << "the expression nests more than 100 levels deep";
  if (eat("-")) {
    FailureOr<Val> x = parseUnary();
    if (failed(x))
      return failure();
    // A negated number stays a number, so that checks on numbers (a
    // division by -0, a trace's time constant) see it.
    if (std::optional<double> c = splatValue(x->v); c && x->k == Kind{})
      return Val{constant(Kind{}, -*c), Kind{}};
    return Val{scale(x->v, -1.0), x->k};
  }
  return parsePower();
}

FailureOr<Val> Compiler::parsePower() {
  FailureOr<Val> x = parsePrimary();
  if (failed(x) || !eat("^"))
    return x;
  skipSpace();
  size_t at = pos;
  size_t end = pos;
  while (end < text.size() && std::isdigit((unsigned char)text[end]))
    ++end;
  int n = end > pos && end - pos < 3
              ? std::atoi(text.substr(pos, end - pos).str().c_str())
              : 0;
  if (n < 1 || n > 8 ||
      (end < text.size() &&
       (text[end] == '.' || text[end] == 'e' || text[end] == 'E' ||
        text[end] == '_' || std::isalpha((unsigned char)text[end]))))
    return error(at) << "'^' takes a whole exponent from 1 to 8";
  pos = end;
  size_t next = pos;
  while (next < text.size() && text[next] == ' ')
    ++next;
  if (next < text.size() && text[next] == '^')
    return error(next) << "a power of a power: give the exponent once (x^4 "
                          "for (x^2)^2)";
  Val r = *x;
  for (int i = 1; i < n; ++i) {
    FailureOr<Val> next = binary('*', r, *x, at, '^');
    if (failed(next)) // a folded power out of range, reported
      return failure();
    r = *next;
  }
  return r;
}

FailureOr<Val> Compiler::parsePrimary() {
  skipSpace();
  size_t at = pos;
  if (pos >= text.size())
    return error(at) << "the expression ends where a value was expected";
  char c = text[pos];
  if (eat("(")) {
    FailureOr<Val> x = parseSum();
    if (failed(x))
      return failure();
    if (!eat(")"))
      return error(pos) << "')' expected to close the '(' at column " << at + 1;
    return x;
  }
  if (std::isdigit((unsigned char)c) || c == '.') {
    // A decimal number: digits[.digits][e[+-]digits] (strtod alone would
    // also take hexadecimal forms such as 0x1p3).
    auto digits = [&](size_t i) {
      while (i < text.size() && std::isdigit((unsigned char)text[i]))
        ++i;
      return i;
    };
    size_t used = digits(pos);
    if (used < text.size() && text[used] == '.')
      used = digits(used + 1);
    if (used < text.size() && (text[used] == 'e' || text[used] == 'E')) {
      size_t e = used + 1;
      if (e < text.size() && (text[e] == '+' || text[e] == '-'))
        ++e;
      bool sign = e > used + 1;
      if (digits(e) > e)
        used = digits(e);
      else if (sign || e >= text.size() ||
               !(std::isalpha((unsigned char)text[e]) || text[e] == '_'))
        // (2eta is a name after the number 2, below)
        return error(at) << "the number " << text.substr(pos, e - pos)
                         << " has no digits in its exponent";
    }
    used -= pos;
    std::string number = text.substr(pos, used).str();
    char *end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (used == 0 || size_t(end - number.c_str()) != used)
      return error(at) << "a number expected";
    if (size_t next = pos + used;
        next < text.size() &&
        (std::isalpha((unsigned char)text[next]) || text[next] == '_'))
      return error(next) << "a name right after the number " << number
                         << " (numbers are decimal; put an operator between)";
    if (failed(checkNumber(value, at, "the number " + text.substr(pos, used))))
      return failure();
    pos += used;
    return Val{constant(Kind{}, value), Kind{}};
  }
  if (!std::isalpha((unsigned char)c) && c != '_')
    return error(at) << "unexpected " << quotedCharacterAt(pos)
                     << " (a number, a name or '(' was expected)";
  size_t end = pos;
  while (end < text.size() &&
         (std::isalnum((unsigned char)text[end]) || text[end] == '_'))
    ++end;
  if (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80 &&
      !text.substr(end).starts_with("⊗"))
    return error(end) << "unexpected " << quotedCharacterAt(end)
                      << " in a name (names are ASCII letters, digits and "
                         "'_')";
  StringRef name = text.substr(pos, end - pos);
  pos = end;
  if (!eat("("))
    return symbol(name, at);
  SmallVector<Val> args;
  SmallVector<size_t> argAt;
  if (!eat(")")) {
    while (true) {
      skipSpace();
      argAt.push_back(pos);
      FailureOr<Val> a = parseSum();
      if (failed(a))
        return failure();
      args.push_back(*a);
      if (eat(")"))
        break;
      if (!eat(","))
        return error(pos) << "',' or ')' expected in the arguments of '" << name
                          << "'";
    }
  }
  return call(name, at, args, argAt);
}

FailureOr<DenseOp> Compiler::layer(StringRef symbolName, size_t at) {
  DenseOp found;
  unsigned count = 0;
  if (param)
    for (Operation *user : param.getUsers())
      if (auto dense = dyn_cast<DenseOp>(user))
        if (dense.getWeight() == param || dense.getBias() == param) {
          found = dense;
          ++count;
        }
  if (count != 1)
    return error(at) << "'" << symbolName << "' is a quantity of the layer '"
                     << update.param << "' belongs to, but '" << update.param
                     << "' is "
                     << (count ? "read by several dense layers"
                               : "not the weight or bias of a dense layer");
  if (auto loop = found->getParentOfType<TimeLoopOp>();
      loop && (found->getParentOp() != loop || loop->getParentOp() != func))
    return error(at) << "the layer of '" << update.param
                     << "' is inside nested time loops; a rule reads layers "
                        "of one loop of the function";
  return found;
}

FailureOr<Val> Compiler::symbol(StringRef name, size_t at) {
  auto kindOf = [&](Value v) -> std::optional<Kind> {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || t.getElementType() != elementType)
      return std::nullopt;
    Kind k;
    ArrayRef<int64_t> shape = t.getShape();
    if (!shape.empty() && shape[0] == batch) {
      k.batch = true;
      shape = shape.drop_front();
    }
    if (shape.size() > 2)
      return std::nullopt;
    k.units.append(shape.begin(), shape.end());
    return k;
  };
  auto fromValue = [&](Value v) -> FailureOr<Val> {
    std::optional<Kind> k = kindOf(v);
    if (!k)
      return error(at) << "'" << name << "' is " << v.getType()
                       << "; a rule reads f32 values of at most two unit "
                          "dimensions after the batch";
    return Val{v, *k};
  };
  if (name == "pre" || name == "post" || name == "drive") {
    FailureOr<DenseOp> dense = layer(name, at);
    if (failed(dense))
      return failure();
    Value v = dense->getResult();
    if (name == "pre")
      v = dense->getInput();
    else if (name == "post")
      if (Value activation = postOf.lookup(*dense))
        v = activation;
    auto loop = dyn_cast<TimeLoopOp>((*dense)->getParentOp());
    if (!loop)
      return fromValue(v);
    // Inside a time loop: every step's value, recorded by the loop.
    Value steps = recordedSteps.lookup(v);
    if (!steps) {
      if (v.getParentRegion() != &loop.getBody())
        return error(at) << "'" << name << "' of '" << update.param
                         << "' is not computed at each step of its loop";
      // appendRecords replaces the loop: move the values already taken
      // from it to the new one. The old loop stays until the updates are
      // built, since this expression may hold a value read from it (the
      // left side of `pre ⊗ post`).
      SmallVector<std::pair<Value, unsigned>> moved;
      for (auto &[key, seq] : recordedSteps)
        if (seq && seq.getDefiningOp() == loop.getOperation())
          moved.push_back({key, cast<OpResult>(seq).getResultNumber()});
      unsigned index = loop->getNumResults();
      TimeLoopOp next = appendRecords(loop, {v}, &retired);
      for (auto [key, number] : moved)
        recordedSteps[key] = next->getResult(number);
      steps = next->getResult(index);
      recordedSteps[v] = steps;
    }
    auto seq = cast<RankedTensorType>(steps.getType());
    FailureOr<Val> r = fromValue(v);
    if (failed(r))
      return failure();
    r->v = steps;
    r->k.steps = seq.getDimSize(0);
    return r;
  }
  if (name == "error") {
    // −B·∂loss/∂z for the value z the loss reads: per sample, the error at
    // the output (onehot − softmax for softmax cross-entropy).
    if (outputError)
      return fromValue(outputError);
    Operation *lossOp = nullptr;
    for (Operation &op : func.getBody().front())
      if (!lossOp && op.getNumResults() == 1 && nodeOf(&op) == contract.loss)
        lossOp = &op;
    Operation *ret = func.getBody().front().getTerminator();
    for (unsigned i = 0; !lossOp && i < func.getNumResults(); ++i)
      if (auto n = func.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == contract.loss)
          lossOp = ret->getOperand(i).getDefiningOp();
    auto rule = lossOp ? dyn_cast<DifferentiableOpInterface>(lossOp)
                       : DifferentiableOpInterface();
    if (!rule || lossOp->getNumOperands() == 0)
      return error(at) << "'error' is the output error, the gradient of the "
                          "loss '"
                       << contract.loss
                       << "' with respect to its input, but the loss has no "
                          "gradient rule";
    // A loss made of losses (ce + 0.5·ce) reads a scalar: its gradient
    // there is no per-sample output error.
    Value z = lossOp->getOperand(0);
    if (auto zType = dyn_cast<RankedTensorType>(z.getType());
        !zType || zType.getRank() == 0) {
      InFlightDiagnostic d =
          error(at) << "'error' is the output error, the gradient of "
                       "the loss '"
                    << contract.loss << "' with respect to the value it reads";
      if (Operation *def = z.getDefiningOp(); def && !nodeOf(def).empty())
        d << " ('" << nodeOf(def) << "')";
      return d << ", but that value is a scalar; name a loss node that reads "
                  "the network's output (such as softmax_cross_entropy or "
                  "mse) as the training loss";
    }
    auto lossType = cast<RankedTensorType>(lossOp->getResult(0).getType());
    Value one = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
    SmallVector<bool> needed(lossOp->getNumOperands(), false);
    needed[0] = true;
    SmallVector<Value> grads;
    if (failed(rule.buildGradients(b, {one}, needed, grads)))
      return failure();
    outputError = scale(grads[0], -double(batch));
    return fromValue(outputError);
  }
  if (name == "w") {
    if (!param)
      return error(at) << "'w' is the parameter '" << update.param
                       << "', which @forward does not read";
    Kind k;
    auto t = cast<RankedTensorType>(param.getType());
    if (size_t(t.getRank()) > kMaxUnits)
      return error(at) << "'w' is the parameter '" << update.param
                       << "', of rank " << t.getRank() << "; a rule reads "
                       << "parameters of at most " << kMaxUnits
                       << " dimensions";
    k.units.append(t.getShape().begin(), t.getShape().end());
    return Val{param, k};
  }
  for (auto &[constName, value] : contract.constants)
    if (constName == name) {
      if (failed(checkNumber(value, at, "the constant '" + name + "'")))
        return failure();
      return Val{constant(Kind{}, value), Kind{}};
    }
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto n = func.getArgAttrOfType<StringAttr>(i, "credo.name"))
      if (n.getValue() == name)
        return fromValue(func.getArgument(i));
  Operation *ret = func.getBody().front().getTerminator();
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (auto n = func.getResultAttrOfType<StringAttr>(i, "credo.name"))
      if (n.getValue() == name)
        return fromValue(ret->getOperand(i));
  Operation *node = nullptr;
  for (Operation &op : func.getBody().front())
    if (op.getNumResults() == 1 && nodeOf(&op) == name)
      node = &op;
  if (node)
    return fromValue(node->getResult(0));
  // A node of a time loop, or the loop itself: not readable by name.
  Operation *inner = nullptr;
  func.walk([&](Operation *op) {
    if (nodeOf(op) != name || isa<mlir::credo::YieldOp>(op))
      return;
    if (!inner || isa<TimeLoopOp>(op))
      inner = op;
  });
  if (inner) {
    if (isa<TimeLoopOp>(inner))
      return error(at) << "'" << name
                       << "' is a time loop, not a value; a rule reads values "
                          "outside time loops by name, and pre, post and "
                          "drive of its own layer at every step";
    std::string loopName = "?";
    if (auto loop = inner->getParentOfType<TimeLoopOp>())
      loopName = nodeOf(loop).str();
    return error(at) << "'" << name << "' is a node inside time loop '"
                     << loopName
                     << "'; a rule reads values outside time loops by name, "
                        "and pre, post and drive of its own layer at every "
                        "step";
  }
  InFlightDiagnostic d = error(at) << "unknown symbol '" << name
                                   << "' (known: pre, post, drive, w, error";
  for (auto &[constName, value] : contract.constants)
    d << ", " << constName;
  d << ", and the graph's inputs and nodes by name)";
  return d;
}

FailureOr<Val> Compiler::call(StringRef name, size_t at, ArrayRef<Val> args,
                              ArrayRef<size_t> argAt) {
  auto arity = [&](size_t n) -> LogicalResult {
    if (args.size() == n)
      return success();
    return error(at) << "'" << name << "' takes " << n << " argument"
                     << (n == 1 ? "" : "s") << ", but got " << args.size();
  };
  if (name == "outer") {
    if (failed(arity(2)))
      return failure();
    for (size_t i = 0; i < 2; ++i)
      if (args[i].k.units.size() != 1)
        return error(argAt[i]) << "an outer product takes vectors over "
                                  "units (per sample or not), but this is "
                               << describe(args[i].k);
    const Val &x = args[0], &y = args[1];
    if (x.k.steps && y.k.steps && x.k.steps != y.k.steps)
      return error(at) << "cannot combine values of time loops of " << x.k.steps
                       << " and " << y.k.steps << " steps";
    Kind k;
    k.units = {x.k.units[0], y.k.units[0]};
    // Summed over the steps, averaged over the batch.
    std::string lx = std::string(x.k.steps ? "t" : "") +
                     std::string(x.k.batch ? "b" : "") + "i";
    std::string ly = std::string(y.k.steps ? "t" : "") +
                     std::string(y.k.batch ? "b" : "") + "j";
    Value v = einsum(lx + "," + ly + "->ij", {x.v, y.v});
    // Per-sample products are averaged over the batch.
    if (x.k.batch || y.k.batch)
      v = scale(v, 1.0 / double(batch));
    return Val{v, k};
  }
  if (name == "mean" || name == "sum") {
    if (failed(arity(1)))
      return failure();
    const Val &x = args[0];
    if (!x.k.batch && !x.k.steps)
      return error(argAt[0])
             << "'" << name
             << "' reduces over the batch (and the steps), but its argument "
                "is "
             << describe(x.k);
    Kind k = x.k;
    k.batch = false;
    k.steps = 0;
    Value v = einsum(letters(x.k) + "->" + letters(k), {x.v});
    if (name == "mean" && x.k.batch)
      v = scale(v, 1.0 / double(batch));
    return Val{v, k};
  }
  if (name == "trace") {
    if (failed(arity(2)))
      return failure();
    return trace(args[0], args[1], argAt[0], argAt[1]);
  }
  if (name == "relu" || name == "sigmoid" || name == "tanh" ||
      name == "softplus") {
    if (failed(arity(1)))
      return failure();
    Value x = args[0].v;
    Value v = name == "relu"      ? make<ReluOp>(b, loc, {x})
              : name == "sigmoid" ? make<SigmoidOp>(b, loc, {x})
              : name == "tanh"    ? make<TanhOp>(b, loc, {x})
                                  : make<SoftplusOp>(b, loc, {x});
    return Val{v, args[0].k};
  }
  return error(at) << "unknown function '" << name
                   << "' (known: outer, mean, sum, trace, relu, sigmoid, "
                      "tanh, softplus)";
}

FailureOr<Val> Compiler::trace(const Val &x, const Val &tau, size_t xAt,
                               size_t tauAt) {
  std::optional<double> number = splatValue(tau.v);
  if (tau.k.steps || tau.k.batch || !tau.k.units.empty() || !number)
    return error(tauAt) << "a trace's time constant must be a number (in "
                           "steps)";
  double steps = *number;
  if (!(steps > 0))
    return error(tauAt) << "a trace's time constant must be positive";
  if (!x.k.steps)
    return error(xAt) << "a trace runs over the steps of a time loop, but "
                         "this is "
                      << describe(x.k);
  // A loop over the recorded steps: carry y, record it.
  Kind stepKind = x.k;
  stepKind.steps = 0;
  RankedTensorType stepType = typeOf(stepKind);
  RankedTensorType seqType = typeOf(x.k);
  OperationState state(loc, TimeLoopOp::getOperationName());
  state.addOperands(constant(stepKind, 0.0));
  state.addAttribute("steps", b.getI64IntegerAttr(x.k.steps));
  state.addTypes({stepType, seqType});
  Region *region = state.addRegion();
  Block *block = new Block();
  region->push_back(block);
  Value t = block->addArgument(b.getIndexType(), loc);
  Value carried = block->addArgument(stepType, loc);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    Value xt =
        b.create<TimeSliceOp>(loc, stepType, x.v, t, b.getI64IntegerAttr(0));
    Value y =
        make<ExpFilterOp>(b, loc, {xt, carried},
                          {b.getNamedAttr("tau", b.getF64FloatAttr(steps))});
    b.create<YieldOp>(loc, ValueRange{y}, ValueRange{y});
  }
  Operation *loop = b.create(state);
  return Val{loop->getResult(1), x.k};
}

struct LocalRule : public mlir::credo::impl::CredoLocalRuleBase<LocalRule> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("credo-local-rule: the module has no @forward");
      return signalPassFailure();
    }
    if (module.lookupSymbol("gradients")) {
      module.emitError("credo-local-rule: the module already has @gradients");
      return signalPassFailure();
    }
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return signalPassFailure();
    if (!*contract || (*contract)->updates.empty()) {
      module.emitError(
          "the rule 'local' takes each trained parameter's update from the "
          "training section's \"updates\" (docs/rules.md, \"Writing a rule "
          "in the graph\"), and this model has none");
      return signalPassFailure();
    }
    const TrainingContract &c = **contract;
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(forward);
    auto grads = cast<func::FuncOp>(b.clone(*forward));
    grads.setName("gradients");
    expandTrainingForms(grads);
    if (failed(build(module, grads, c))) {
      grads.erase();
      return signalPassFailure();
    }
  }

  LogicalResult build(ModuleOp module, func::FuncOp grads,
                      const TrainingContract &c) {
    Block &body = grads.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    // The loss (reported as the step's loss): a result of that name, else
    // the node.
    Value loss;
    for (unsigned i = 0; i < grads.getNumResults(); ++i)
      if (auto n = grads.getResultAttrOfType<StringAttr>(i, "credo.name"))
        if (n.getValue() == c.loss)
          loss = ret.getOperand(i);
    for (Operation &op : body)
      if (!loss && op.getNumResults() == 1 && nodeOf(&op) == c.loss)
        loss = op.getResult(0);
    if (!loss)
      return module.emitError()
             << "local: no node named '" << c.loss << "' (the loss)";
    Type stepType = getElementTypeOrSelf(loss.getType());
    OpBuilder b(ret);
    // Each parameter's direction: minus its written update, so that the
    // optimizer's step θ − lr·g is θ + lr·update.
    llvm::StringMap<Value> directions;
    Value outputError;
    llvm::DenseMap<Value, Value> recordedSteps;
    llvm::DenseMap<Operation *, Value> postOf =
        Compiler::postActivations(grads);
    {
      RetiredLoops retired; // the replaced loops go at the end of the scope
      for (const TrainingContract::WrittenUpdate &u : c.updates) {
        auto param = module.lookupSymbol<ParamOp>(u.param);
        if (!param)
          return emitError(Location(u.loc))
                 << "no parameter named '" << u.param << "'";
        if (param.getTensorType().getElementType() != stepType)
          return emitError(Location(u.loc))
                 << "'" << u.param << "' holds "
                 << param.getTensorType().getElementType()
                 << " values; a rule updates parameters of the training "
                    "step's float type ("
                 << stepType << ")";
        readParam(b, grads, param);
        Compiler compiler(b, grads, c, u, postOf, outputError, recordedSteps,
                          retired);
        FailureOr<Value> update = compiler.run(param.getTensorType());
        if (failed(update))
          return failure();
        directions[u.param] =
            make<ScaleOp>(b, Location(u.loc), {*update},
                          {b.getNamedAttr("factor", b.getF64FloatAttr(-1.0))});
      }
    }
    publishGradients(b, module, grads, loss, directions);
    return success();
  }
};

} // namespace
