//===- CredoDialect.cpp - Credo dialect and attributes ----------*- C++ -*-===//
//
// Registers the credo dialect's ops and attributes and implements the
// initializer attribute's syntax and verifier.
//
//===----------------------------------------------------------------------===//

#include "Credo/IR/CredoDialect.h"
#include "Credo/IR/CredoOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

using namespace mlir;
using namespace mlir::credo;

#include "Credo/IR/CredoDialect.cpp.inc"
#include "Credo/IR/CredoEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "Credo/IR/CredoAttrs.cpp.inc"

void CredoDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "Credo/IR/CredoOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Credo/IR/CredoAttrs.cpp.inc"
      >();
}

LogicalResult CredoDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  if (attr.getName() == kNodeAttrName && !isa<StringAttr>(attr.getValue()))
    return op->emitError() << "expects '" << kNodeAttrName
                           << "' to be the name of a graph node (a string), "
                              "but got "
                           << attr.getValue();
  if (attr.getName() == kSimulatedMsAttrName) {
    auto ms = dyn_cast<FloatAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !ms || !(ms.getValueAsDouble() > 0) ||
        !std::isfinite(ms.getValueAsDouble()))
      return op->emitError()
             << "expects '" << kSimulatedMsAttrName
             << "' on a module, the milliseconds of model time a training "
                "step simulates (a positive float), but got "
             << attr.getValue();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// InitAttr
//===----------------------------------------------------------------------===//

/// The keys of an initializer, in printing order.
static constexpr llvm::StringLiteral kInitKeys[] = {"value", "low", "high",
                                                    "mean",  "std", "seed"};

bool InitAttr::kindUsesKey(InitKind kind, StringRef key) {
  switch (kind) {
  case InitKind::Zeros:
  case InitKind::Ones:
    return false;
  case InitKind::Constant:
    return key == "value";
  case InitKind::Uniform:
    return key == "low" || key == "high" || key == "seed";
  case InitKind::Normal:
    return key == "mean" || key == "std" || key == "seed";
  case InitKind::GlorotUniform:
  case InitKind::GlorotNormal:
  case InitKind::HeUniform:
  case InitKind::HeNormal:
  case InitKind::Generator:
    return key == "seed";
  case InitKind::RandomPairs:
    return key == "rows" || key == "cols" || key == "seed";
  }
  return false;
}

/// Keys that a kind requires (the others it uses have defaults).
static bool kindRequiresKey(InitKind kind, StringRef key) {
  switch (kind) {
  case InitKind::Constant:
    return key == "value";
  case InitKind::Uniform:
    return key == "low" || key == "high";
  case InitKind::Normal:
    return key == "std";
  case InitKind::RandomPairs:
    return key == "rows" || key == "cols";
  default:
    return false;
  }
}

Attribute InitAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc kindLoc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseKeyword(&kindName))
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(kindName);
  if (!kind) {
    parser.emitError(kindLoc) << "unknown initializer '" << kindName
                              << "' (expected zeros, ones, constant, uniform, "
                                 "normal, glorot_uniform, glorot_normal, "
                                 "he_uniform, he_normal, generator or "
                                 "random_pairs)";
    return {};
  }
  double values[5] = {0, 0, 0, 0, 0};
  uint64_t seed = 0;
  int64_t extents[2] = {0, 0};
  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (!kindUsesKey(*kind, key)) {
      parser.emitError(keyLoc)
          << "initializer '" << kindName << "' takes no key '" << key << "'";
      return {};
    }
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc) << "duplicate key '" << key << "'";
      return {};
    }
    if (key == "seed") {
      if (parser.parseInteger(seed))
        return {};
      continue;
    }
    if (key == "rows" || key == "cols") {
      if (parser.parseInteger(extents[key == "cols"]))
        return {};
      continue;
    }
    unsigned idx = llvm::find(kInitKeys, key) - std::begin(kInitKeys);
    if (parser.parseFloat(values[idx]))
      return {};
  }
  if (parser.parseGreater())
    return {};
  for (StringRef key :
       {"value", "low", "high", "mean", "std", "rows", "cols"}) {
    if (kindRequiresKey(*kind, key) && !seen.contains(key)) {
      parser.emitError(kindLoc) << "initializer '" << kindName
                                << "' requires the key '" << key << "'";
      return {};
    }
  }
  auto f = [](double v) { return APFloat(v); };
  return parser.getChecked<InitAttr>(
      parser.getContext(), *kind, f(values[0]), f(values[1]), f(values[2]),
      f(values[3]), f(values[4]), seed, extents[0], extents[1]);
}

void InitAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind());
  APFloat values[5] = {getValue(), getLow(), getHigh(), getMean(), getStd()};
  for (unsigned i = 0; i < 5; ++i)
    if (kindUsesKey(getKind(), kInitKeys[i]))
      printer << ", " << kInitKeys[i] << " = " << values[i].convertToDouble();
  if (kindUsesKey(getKind(), "rows"))
    printer << ", rows = " << getRows() << ", cols = " << getCols();
  if (kindUsesKey(getKind(), "seed"))
    printer << ", seed = " << getSeed();
  printer << ">";
}

LogicalResult InitAttr::verifyFits(function_ref<InFlightDiagnostic()> emitError,
                                   Type elementType) const {
  if (auto intType = ::llvm::dyn_cast<IntegerType>(elementType)) {
    // Integer state: exact constants only.
    unsigned bits = intType.getWidth();
    double lo = -std::ldexp(1.0, int(bits) - 1),
           hi = std::ldexp(1.0, int(bits) - 1);
    switch (getKind()) {
    case InitKind::Zeros:
    case InitKind::Ones:
      return success();
    case InitKind::Generator:   // its type is checked by credo.param
    case InitKind::RandomPairs: // likewise
      return success();
    case InitKind::Constant: {
      double v = getValue().convertToDouble();
      if (std::floor(v) != v || !(v >= lo && v < hi))
        return emitError() << "initializer value " << v
                           << " is not an integer that fits " << elementType;
      return success();
    }
    default:
      return emitError() << "an " << elementType
                         << " parameter takes a zeros, ones or constant "
                            "initializer, not a random one";
    }
  }
  auto floatType = ::llvm::dyn_cast<FloatType>(elementType);
  if (!floatType)
    return success();
  // The largest finite value of the type, as a double.
  double largest =
      APFloat::getLargest(floatType.getFloatSemantics()).convertToDouble();
  auto fits = [&](double v) {
    return std::isfinite(v) && std::fabs(v) <= largest;
  };
  auto tooLarge = [&](StringRef what, double v) {
    return emitError() << "initializer " << what << " " << v << " does not fit "
                       << elementType << " (its largest finite value is "
                       << largest << ")";
  };
  double low = getLow().convertToDouble(), high = getHigh().convertToDouble();
  double mean = getMean().convertToDouble(), std = getStd().convertToDouble();
  switch (getKind()) {
  case InitKind::Constant:
    if (!fits(getValue().convertToDouble()))
      return tooLarge("value", getValue().convertToDouble());
    return success();
  case InitKind::Uniform:
    if (!fits(low))
      return tooLarge("low", low);
    if (!fits(high))
      return tooLarge("high", high);
    if (!fits(high - low))
      return emitError() << "uniform initializer's range high - low = "
                         << (high - low) << " does not fit " << elementType;
    return success();
  case InitKind::Normal:
    if (!fits(std::fabs(mean) + 9 * std))
      return emitError() << "normal initializer's draws (mean " << mean
                         << " ± 9 · std " << std << ") do not fit "
                         << elementType << " (its largest finite value is "
                         << largest << ")";
    return success();
  default:
    return success();
  }
}

LogicalResult InitAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               InitKind kind, APFloat valueF, APFloat lowF,
                               APFloat highF, APFloat meanF, APFloat stdF,
                               uint64_t seed, int64_t rows, int64_t cols) {
  double low = lowF.convertToDouble(), high = highF.convertToDouble();
  double std = stdF.convertToDouble();
  double values[5] = {valueF.convertToDouble(), low, high,
                      meanF.convertToDouble(), std};
  for (unsigned i = 0; i < 5; ++i) {
    if (!std::isfinite(values[i]))
      return emitError() << "initializer key '" << kInitKeys[i]
                         << "' must be finite";
    if (!kindUsesKey(kind, kInitKeys[i]) && values[i] != 0.0)
      return emitError() << "initializer '" << stringifyInitKind(kind)
                         << "' takes no key '" << kInitKeys[i] << "'";
  }
  if (!kindUsesKey(kind, "seed") && seed != 0)
    return emitError() << "initializer '" << stringifyInitKind(kind)
                       << "' takes no key 'seed'";
  if (kind != InitKind::RandomPairs && (rows != 0 || cols != 0))
    return emitError() << "initializer '" << stringifyInitKind(kind)
                       << "' takes no keys 'rows' and 'cols'";
  if (kind == InitKind::RandomPairs &&
      (rows < 1 || cols < 1 || rows > (int64_t(1) << 31) ||
       cols > (int64_t(1) << 31)))
    return emitError() << "random_pairs initializer expects rows and cols in "
                          "[1, 2^31], but got "
                       << rows << " and " << cols;
  if (kind == InitKind::Uniform && !(low < high))
    return emitError()
           << "uniform initializer expects low < high, but got low = " << low
           << " and high = " << high;
  if (kind == InitKind::Normal && !(std > 0))
    return emitError() << "normal initializer expects std > 0, but got " << std;
  return success();
}

LogicalResult
OptimizerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      StringRef kind, FloatAttr lr, FloatAttr momentum,
                      FloatAttr weightDecay, FloatAttr beta1, FloatAttr beta2,
                      FloatAttr eps) {
  if (kind.empty())
    return emitError() << "optimizer expects a kind";
  if (kind != "sgd" && kind != "adam")
    return emitError() << "unknown optimizer kind '" << kind
                       << "' (expected sgd or adam)";
  // Each kind has its own hyper-parameters; another kind's would be
  // silently ignored.
  for (auto [key, value, owner] :
       {std::tuple(StringRef("momentum"), momentum, StringRef("sgd")),
        std::tuple(StringRef("beta1"), beta1, StringRef("adam")),
        std::tuple(StringRef("beta2"), beta2, StringRef("adam")),
        std::tuple(StringRef("eps"), eps, StringRef("adam"))})
    if (value && kind != owner)
      return emitError() << "optimizer '" << kind << "' takes no " << key
                         << " (" << owner << "'s)";
  auto check = [&](StringRef key, FloatAttr value, double low, bool open,
                   double high) -> LogicalResult {
    if (!value)
      return success();
    double v = value.getValueAsDouble();
    if (std::isfinite(v) && (open ? v > low : v >= low) && v < high)
      return success();
    auto text = [](double x) {
      std::ostringstream os;
      os << x;
      return os.str();
    };
    return emitError() << "optimizer expects " << key << " in "
                       << (open ? "(" : "[") << text(low) << ", " << text(high)
                       << "), but got " << text(v);
  };
  double inf = std::numeric_limits<double>::infinity();
  return success(succeeded(check("lr", lr, 0, true, inf)) &&
                 succeeded(check("momentum", momentum, 0, false, 1)) &&
                 succeeded(check("weight_decay", weightDecay, 0, false, inf)) &&
                 succeeded(check("beta1", beta1, 0, false, 1)) &&
                 succeeded(check("beta2", beta2, 0, false, 1)) &&
                 succeeded(check("eps", eps, 0, true, 1)));
}

LogicalResult TrainingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   StringRef rule, StringRef, OptimizerAttr,
                                   int64_t batchSize, int64_t epochs, uint64_t,
                                   int64_t settleEpochs, DictionaryAttr,
                                   DictionaryAttr, DictionaryAttr,
                                   DictionaryAttr, DictionaryAttr) {
  if (rule.empty())
    return emitError() << "training expects a rule";
  if (batchSize < 0 || epochs < 0 || settleEpochs < 0)
    return emitError() << "training expects batch_size, epochs and "
                          "settle_epochs >= 0, but got "
                       << batchSize << ", " << epochs << " and "
                       << settleEpochs;
  return success();
}
