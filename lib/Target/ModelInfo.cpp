//===- ModelInfo.cpp - What a compiled model exposes ------------*- C++ -*-===//
//
// Reads credo.param declarations and @forward's signature into ModelInfo
// and prints the runtime metadata text.
//
//===----------------------------------------------------------------------===//

#include "credo/Target/ModelInfo.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdio>

using namespace mlir;
using namespace mlir::credo;

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t TensorInfo::elementSize() const {
  return dtype == "f64" || dtype == "i64" ? 8 : 4;
}

std::string TensorInfo::shapeText() const {
  if (shape.empty())
    return "-";
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

std::string ModelInfo::metadata() const {
  std::string text = "credo-model 1\nname " + name + "\n";
  for (const TensorInfo &p : params)
    text += "param " + p.name + " " + p.dtype + " " + p.shapeText() + " " +
            p.init + "\n";
  for (const std::string &s : state)
    text += "state " + s + "\n";
  for (const std::string &h : held)
    text += "held " + h + "\n";
  for (const TensorInfo &i : inputs)
    text += "input " + i.name + " " + i.dtype + " " + i.shapeText() + "\n";
  for (const TensorInfo &o : outputs)
    text += "output " + o.name + " " + o.dtype + " " + o.shapeText() + "\n";
  return text;
}

static FailureOr<TensorInfo> tensorInfo(Location loc, StringRef name,
                                        Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  TensorInfo info;
  info.name = name.str();
  if (tensor && tensor.hasStaticShape()) {
    Type elt = tensor.getElementType();
    info.dtype = elt.isF32()                 ? "f32"
                 : elt.isF64()               ? "f64"
                 : elt.isSignlessInteger(32) ? "i32"
                 : elt.isSignlessInteger(64) ? "i64"
                                             : "";
    info.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  }
  if (info.dtype.empty())
    return emitError(loc) << "'" << name
                          << "' must be a static tensor of f32, f64, i32 or "
                             "i64 to be compiled, but is "
                          << type;
  return info;
}

/// The initializer in runtime syntax: "kind key=value ... seed=N".
static std::string initText(InitAttr init) {
  std::string text = stringifyInitKind(init.getKind()).str();
  auto add = [&](StringRef key, const APFloat &v) {
    if (!InitAttr::kindUsesKey(init.getKind(), key))
      return;
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.17g", v.convertToDouble());
    text += " " + key.str() + "=" + buf;
  };
  add("value", init.getValue());
  add("low", init.getLow());
  add("high", init.getHigh());
  add("mean", init.getMean());
  add("std", init.getStd());
  if (InitAttr::kindUsesKey(init.getKind(), "rows"))
    text += " rows=" + std::to_string(init.getRows()) +
            " cols=" + std::to_string(init.getCols());
  if (InitAttr::kindUsesKey(init.getKind(), "seed"))
    text += " seed=" + std::to_string(init.getSeed());
  return text;
}

FailureOr<ModelInfo> mlir::credo::getModelInfo(ModuleOp module,
                                               StringRef function) {
  ModelInfo info;
  info.name = module.getName().value_or("model").str();
  info.trainStep = static_cast<bool>(module.lookupSymbol("train_step"));
  info.act = static_cast<bool>(module.lookupSymbol("act"));
  for (ParamOp p : module.getOps<ParamOp>()) {
    FailureOr<TensorInfo> t =
        tensorInfo(p.getLoc(), p.getSymName(), p.getType());
    if (failed(t))
      return failure();
    t->init = initText(p.getInit());
    if (p->hasAttr(CredoDialect::kHeldAttrName))
      info.held.push_back(t->name);
    info.params.push_back(*t);
  }
  auto forward = module.lookupSymbol<func::FuncOp>(function);
  if (!forward)
    return emitError(module.getLoc())
           << "the module has no @" << function << " function";
  auto nameOf = [](DictionaryAttr attrs, unsigned i, StringRef prefix) {
    if (attrs)
      if (auto name = attrs.getAs<StringAttr>("credo.name"))
        return name.str();
    return prefix.str() + std::to_string(i);
  };
  for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
    FailureOr<TensorInfo> t =
        tensorInfo(forward.getArgument(i).getLoc(),
                   nameOf(forward.getArgAttrDict(i), i, "input"),
                   forward.getArgumentTypes()[i]);
    if (failed(t))
      return failure();
    info.inputs.push_back(*t);
  }
  for (unsigned i = 0; i < forward.getNumResults(); ++i) {
    FailureOr<TensorInfo> t = tensorInfo(
        forward.getLoc(), nameOf(forward.getResultAttrDict(i), i, "output"),
        forward.getResultTypes()[i]);
    if (failed(t))
      return failure();
    info.outputs.push_back(*t);
  }
  if (auto settle = module.lookupSymbol<func::FuncOp>("settle_step"))
    info.settleMetric = settle.getNumResults()
                            ? nameOf(settle.getResultAttrDict(0), 0, "metric")
                            : "metric";
  // The training step's inputs, the learning rate (last) excepted.
  if (auto step = module.lookupSymbol<func::FuncOp>("train_step")) {
    if (step.getNumArguments() > 0)
      if (auto lr = dyn_cast<RankedTensorType>(step.getArgumentTypes().back()))
        if (lr.getElementType().isF64())
          info.stepScalar = "f64";
    for (unsigned i = 0; i + 1 < step.getNumArguments(); ++i) {
      FailureOr<TensorInfo> t =
          tensorInfo(step.getArgument(i).getLoc(),
                     nameOf(step.getArgAttrDict(i), i, "input"),
                     step.getArgumentTypes()[i]);
      if (failed(t))
        return failure();
      info.stepInputs.push_back(*t);
    }
  }
  return info;
}
