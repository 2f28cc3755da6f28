//===- Builders.cpp - Helpers shared by the credo → linalg patterns -*- C++
//-*-===//
//
// Implements the linalg.generic builders of Builders.h.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "../../Transforms/NodeName.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <cmath>

using namespace mlir;

namespace mlir::credo::linalg_builders {

Value floatConst(OpBuilder &b, Location loc, Type type, double value) {
  return b.create<arith::ConstantOp>(loc, type, b.getFloatAttr(type, value));
}

Value addFloats(OpBuilder &b, Location loc, Value acc, Value x) {
  return b.create<arith::AddFOp>(loc, acc, x);
}

Value empty(OpBuilder &b, Location loc, RankedTensorType type) {
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value c = floatConst(b, loc, type.getElementType(), value);
  return b.create<linalg::FillOp>(loc, c, empty(b, loc, type)).getResult(0);
}

Value mapped(OpBuilder &b, Location loc, RankedTensorType type,
             ValueRange inputs, ArrayRef<AffineMap> inputMaps,
             const BodyFn &body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  auto op = b.create<linalg::GenericOp>(
      loc, type, inputs, ValueRange{empty(b, loc, type)}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, body(nb, nloc, args.drop_back()));
      });
  return op.getResult(0);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange inputs, const BodyFn &body) {
  SmallVector<AffineMap> maps(inputs.size(),
                              b.getMultiDimIdentityMap(type.getRank()));
  return mapped(b, loc, type, inputs, maps, body);
}

Value broadcast(OpBuilder &b, Location loc, Value input, RankedTensorType type,
                ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  AffineMap map = AffineMap::get(type.getRank(), 0, exprs, b.getContext());
  return mapped(b, loc, type, {input}, {map},
                [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value reduce(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> reduced,
    double init,
    const std::function<Value(OpBuilder &, Location, Value, Value)> &combine) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> keptShape;
  SmallVector<AffineExpr> keptExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    bool isReduced = llvm::is_contained(reduced, d);
    iters.push_back(isReduced ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
    if (!isReduced) {
      keptShape.push_back(type.getDimSize(d));
      keptExprs.push_back(b.getAffineDimExpr(d));
    }
  }
  auto resultType = RankedTensorType::get(keptShape, type.getElementType());
  Value acc = filled(b, loc, resultType, init);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(type.getRank()),
      AffineMap::get(type.getRank(), 0, keptExprs, b.getContext())};
  auto op = b.create<linalg::GenericOp>(
      loc, resultType, ValueRange{input}, ValueRange{acc}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, args[1], args[0]));
      });
  return op.getResult(0);
}

Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> pad,
                 double value) {
  if (pad[0] == 0 && pad[1] == 0)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += 2 * pad[0];
  shape[3] += 2 * pad[1];
  auto padded = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> low = {b.getIndexAttr(0), b.getIndexAttr(0),
                                   b.getIndexAttr(pad[0]),
                                   b.getIndexAttr(pad[1])};
  Value c = floatConst(b, loc, type.getElementType(), value);
  return b.create<tensor::PadOp>(loc, padded, input, low, low, c);
}

SmallVector<Value> elementwiseMulti(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
    unsigned results,
    const std::function<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        &body) {
  SmallVector<Value> inits;
  for (unsigned i = 0; i < results; ++i)
    inits.push_back(empty(b, loc, type));
  SmallVector<AffineMap> maps(inputs.size() + results,
                              b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  SmallVector<Type> types(results, type);
  auto op = b.create<linalg::GenericOp>(
      loc, types, inputs, inits, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(
            nloc, body(nb, nloc, args.take_front(inputs.size())));
      });
  return SmallVector<Value>(op.getResults());
}

/// Philox-4x32's round multipliers and key increments.
constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

/// Philox in 64-bit lanes: each word is the low half of its lane (the
/// high half holds whatever the round left there), so one 64-bit product
/// of two low halves gives the high word in its high half and the low word
/// in its low half; LLVM makes it one vector multiply of 32-bit halves
/// (pmuludq) per eight lanes, with no multiply-low and no shuffles to
/// gather the high halves of 32-bit lanes (the SNN's spike draws 18 %
/// faster). Only the low halves are read: products take `x & (2^32 - 1)`
/// (which the multiply of halves does anyway), the results are truncated.
static SmallVector<Value, 4> philoxWide(OpBuilder &b, Location loc,
                                        ArrayRef<Value> narrow, Value k0,
                                        Value k1, Value w0, Value w1) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto c64 = [&](uint64_t v) {
    return b.create<arith::ConstantOp>(loc, i64,
                                       b.getIntegerAttr(i64, int64_t(v)));
  };
  auto wide = [&](Value v) -> Value {
    return b.create<arith::ExtUIOp>(loc, i64, v);
  };
  SmallVector<Value, 4> ctr;
  for (Value v : narrow)
    ctr.push_back(wide(v));
  Value low = c64(0xFFFFFFFFu), half = c64(32);
  Value m0 = c64(kPhiloxM0), m1 = c64(kPhiloxM1);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = b.create<arith::AddIOp>(loc, k0, w0);
      k1 = b.create<arith::AddIOp>(loc, k1, w1);
    }
    Value p0 = b.create<arith::MulIOp>(
        loc, b.create<arith::AndIOp>(loc, ctr[0], low), m0);
    Value p1 = b.create<arith::MulIOp>(
        loc, b.create<arith::AndIOp>(loc, ctr[2], low), m1);
    auto mix = [&](Value product, Value word, Value key) -> Value {
      Value high = b.create<arith::ShRUIOp>(loc, product, half);
      return b.create<arith::XOrIOp>(
          loc, b.create<arith::XOrIOp>(loc, high, word), wide(key));
    };
    ctr = {mix(p1, ctr[1], k0), p1, mix(p0, ctr[3], k1), p0};
  }
  SmallVector<Value, 4> words;
  for (Value v : ctr)
    words.push_back(b.create<arith::TruncIOp>(loc, i32, v));
  return words;
}

SmallVector<Value, 4> philox(OpBuilder &b, Location loc,
                             SmallVector<Value, 4> ctr, Value k0, Value k1,
                             GeneratorLanes lanes) {
  Type i32 = b.getI32Type();
  auto c32 = [&](uint32_t v) {
    return b.create<arith::ConstantOp>(loc, i32,
                                       b.getIntegerAttr(i32, int32_t(v)));
  };
  Value w0 = c32(kPhiloxW0), w1 = c32(kPhiloxW1);
  if (lanes == GeneratorLanes::Wide)
    return philoxWide(b, loc, ctr, k0, k1, w0, w1);
  Value m0 = c32(kPhiloxM0), m1 = c32(kPhiloxM1);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = b.create<arith::AddIOp>(loc, k0, w0);
      k1 = b.create<arith::AddIOp>(loc, k1, w1);
    }
    // The low words as 32-bit products of their own: the 64-bit product
    // then has no other use than its high word, which LLVM turns into a
    // vector multiply-high (two multiplies per 16 lanes instead of four
    // with widening and narrowing).
    Value h0 = b.create<arith::MulUIExtendedOp>(loc, m0, ctr[0]).getHigh();
    Value h1 = b.create<arith::MulUIExtendedOp>(loc, m1, ctr[2]).getHigh();
    Value l0 = b.create<arith::MulIOp>(loc, m0, ctr[0]);
    Value l1 = b.create<arith::MulIOp>(loc, m1, ctr[2]);
    Value x0 = b.create<arith::XOrIOp>(
        loc, b.create<arith::XOrIOp>(loc, h1, ctr[1]), k0);
    Value x2 = b.create<arith::XOrIOp>(
        loc, b.create<arith::XOrIOp>(loc, h0, ctr[3]), k1);
    ctr = {x0, l1, x2, l0};
  }
  return ctr;
}

KeyedDraws::KeyedDraws(OpBuilder &b, Location loc, Value generator,
                       int64_t stream, Value stepIndex, GeneratorLanes lanes)
    : lanes(lanes) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto word = [&](Value v64, bool high) -> Value {
    if (high)
      v64 = b.create<arith::ShRUIOp>(
          loc, v64,
          b.create<arith::ConstantOp>(loc, i64, b.getIntegerAttr(i64, 32)));
    return b.create<arith::TruncIOp>(loc, i32, v64);
  };
  auto at = [&](int64_t i) -> Value {
    Value idx = b.create<arith::ConstantIndexOp>(loc, i);
    return b.create<tensor::ExtractOp>(loc, generator, ValueRange{idx});
  };
  Value seed = at(0), draws = at(1);
  Value streamWord = b.create<arith::ConstantOp>(
      loc, i32, b.getIntegerAttr(i32, int32_t(uint32_t(stream))));
  k0 = word(seed, false);
  k1 = b.create<arith::XOrIOp>(loc, streamWord, word(seed, true));
  step = stepIndex
             ? b.create<arith::IndexCastUIOp>(loc, i32, stepIndex).getResult()
             : b.create<arith::ConstantOp>(loc, i32, b.getIntegerAttr(i32, 0))
                   .getResult();
  n0 = word(draws, false);
  n1 = word(draws, true);
}

Value KeyedDraws::word(OpBuilder &b, Location loc, Value i) const {
  return philox(b, loc, {i, step, n0, n1}, k0, k1, lanes)[0];
}

SmallVector<Value, 4> KeyedDraws::block(OpBuilder &b, Location loc,
                                        Value group) const {
  return philox(b, loc, {group, step, n0, n1}, k0, k1, lanes);
}

Value KeyedDraws::toUniform(OpBuilder &b, Location loc, Value word, Type t) {
  Type i32 = b.getI32Type();
  Value bits = b.create<arith::ShRUIOp>(
      loc, word,
      b.create<arith::ConstantOp>(loc, i32, b.getIntegerAttr(i32, 8)));
  return b.create<arith::MulFOp>(loc, b.create<arith::UIToFPOp>(loc, t, bits),
                                 floatConst(b, loc, t, std::ldexp(1.0, -24)));
}

Value reshapeVia1D(OpBuilder &b, Location loc, Value input,
                   RankedTensorType type) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto flatType =
      RankedTensorType::get({inType.getNumElements()}, inType.getElementType());
  auto all = [](int64_t rank) {
    ReassociationIndices r;
    for (int64_t i = 0; i < rank; ++i)
      r.push_back(i);
    return SmallVector<ReassociationIndices>{r};
  };
  auto none = SmallVector<ReassociationIndices>{};
  Value flat = input;
  if (inType.getRank() == 0)
    flat = b.create<tensor::ExpandShapeOp>(loc, flatType, input, none);
  else if (inType.getRank() > 1)
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, input,
                                             all(inType.getRank()));
  if (type.getRank() == 1)
    return flat;
  if (type.getRank() == 0)
    return b.create<tensor::CollapseShapeOp>(loc, type, flat, none);
  return b.create<tensor::ExpandShapeOp>(loc, type, flat, all(type.getRank()));
}

Value KeyedDraws::uniform(OpBuilder &b, Location loc, Value i, Type t) const {
  return toUniform(b, loc, word(b, loc, i), t);
}

Value KeyedDraws::linearIndex(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> shape) {
  return b.create<arith::IndexCastUIOp>(loc, b.getI32Type(),
                                        rowMajorPosition(b, loc, shape));
}

Value rowMajorPosition(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Value linear = b.create<arith::ConstantIndexOp>(loc, 0);
  for (auto [d, extent] : llvm::enumerate(shape)) {
    Value e = b.create<arith::ConstantIndexOp>(loc, extent);
    linear =
        b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, linear, e),
                                b.create<linalg::IndexOp>(loc, d));
  }
  return linear;
}

void callRuntime(OpBuilder &b, Location loc, StringRef name, ValueRange args) {
  auto module = b.getBlock()->getParentOp()->getParentOfType<ModuleOp>();
  auto callee = module.lookupSymbol<func::FuncOp>(name);
  if (!callee) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    callee = b.create<func::FuncOp>(loc, name,
                                    b.getFunctionType(TypeRange(args), {}));
    callee.setPrivate();
  }
  b.create<func::CallOp>(loc, callee, args);
}

} // namespace mlir::credo::linalg_builders

Value mlir::credo::linalg_builders::siteText(OpBuilder &b, Location loc,
                                             StringRef what) {
  std::string text = what.str();
  if (StringRef node = nodeName(loc); !node.empty())
    text = "node '" + node.str() + "': " + text;
  auto module = b.getBlock()->getParentOp()->getParentOfType<ModuleOp>();
  std::string name = "__credo_site_" + llvm::utohexstr(llvm::xxh3_64bits(text));
  auto type = MemRefType::get({int64_t(text.size() + 1)}, b.getI8Type());
  if (!module.lookupSymbol(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    SmallVector<int8_t> chars(text.begin(), text.end());
    chars.push_back(0);
    b.create<memref::GlobalOp>(
        loc, name, b.getStringAttr("private"), type,
        DenseElementsAttr::get(
            RankedTensorType::get(type.getShape(), b.getI8Type()),
            ArrayRef<int8_t>(chars)),
        /*constant=*/true, IntegerAttr());
  }
  Value global = b.create<memref::GetGlobalOp>(loc, type, name);
  Value index = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, global);
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
}

void mlir::credo::linalg_builders::checkValues(
    OpBuilder &b, Location loc, Value values,
    const std::function<Value(Scalar &, Value)> &bad, StringRef what,
    StringRef requirement) {
  auto type = cast<RankedTensorType>(values.getType());
  int64_t count = type.getNumElements();
  unsigned rank = type.getRank();
  Type i64 = b.getI64Type(), f64 = b.getF64Type();
  auto fill = [&](Value v) {
    auto t = RankedTensorType::get({}, v.getType());
    return b
        .create<linalg::FillOp>(loc, ValueRange{v},
                                ValueRange{empty(b, loc, t)})
        .getResult(0);
  };
  MLIRContext *ctx = b.getContext();
  auto first = b.create<linalg::GenericOp>(
      loc,
      TypeRange{RankedTensorType::get({}, i64), RankedTensorType::get({}, f64)},
      ValueRange{values},
      ValueRange{fill(b.create<arith::ConstantIntOp>(loc, count, 64)),
                 fill(floatConst(b, loc, f64, 0))},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx),
                          AffineMap::get(rank, 0, {}, ctx),
                          AffineMap::get(rank, 0, {}, ctx)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Scalar s{nb, l, type.getElementType()};
        Value at = nb.create<arith::IndexCastOp>(
            l, i64, rowMajorPosition(nb, l, type.getShape()));
        Value take = nb.create<arith::AndIOp>(
            l, bad(s, a[0]),
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, at, a[1]));
        Value v = a[0].getType() == f64
                      ? a[0]
                      : nb.create<arith::ExtFOp>(l, f64, a[0]).getResult();
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::SelectOp>(l, take, at, a[1]),
                          nb.create<arith::SelectOp>(l, take, v, a[2])});
      });
  // The requirement's text has no node: a site of its own.
  auto plain = NameLoc::get(b.getStringAttr(""));
  callRuntime(b, loc, "credo_rt_check_values",
              {b.create<tensor::ExtractOp>(loc, first.getResult(0)),
               b.create<tensor::ExtractOp>(loc, first.getResult(1)),
               b.create<arith::ConstantIntOp>(loc, count, 64),
               siteText(b, loc, what), siteText(b, plain, requirement)});
}

void mlir::credo::linalg_builders::checkLabels(OpBuilder &b, Location loc,
                                               Value labels, int64_t classes,
                                               StringRef what) {
  auto type = cast<RankedTensorType>(labels.getType());
  int64_t count = type.getDimSize(0);
  Type i64 = b.getI64Type();
  auto scalarType = RankedTensorType::get({}, i64);
  // The first position of a bad label, or `count` if none.
  Value init =
      b.create<linalg::FillOp>(
           loc, ValueRange{b.create<arith::ConstantIntOp>(loc, count, 64)},
           ValueRange{empty(b, loc, scalarType)})
          .getResult(0);
  MLIRContext *ctx = b.getContext();
  auto first = b.create<linalg::GenericOp>(
      loc, TypeRange{scalarType}, ValueRange{labels}, ValueRange{init},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx),
                          AffineMap::get(1, 0, {}, ctx)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::reduction},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value label = a[0].getType() == i64
                          ? a[0]
                          : nb.create<arith::ExtSIOp>(l, i64, a[0]).getResult();
        Value low =
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, label,
                                     nb.create<arith::ConstantIntOp>(l, 0, 64));
        Value high = nb.create<arith::CmpIOp>(
            l, arith::CmpIPredicate::sge, label,
            nb.create<arith::ConstantIntOp>(l, classes, 64));
        Value bad = nb.create<arith::OrIOp>(l, low, high);
        Value at = nb.create<arith::IndexCastOp>(
            l, i64, nb.create<linalg::IndexOp>(l, 0));
        Value earlier = nb.create<arith::MinSIOp>(l, a[1], at);
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::SelectOp>(l, bad, earlier, a[1])});
      });
  Value firstBad = b.create<tensor::ExtractOp>(loc, first.getResult(0));
  Value clamped = b.create<arith::MinSIOp>(
      loc, firstBad, b.create<arith::ConstantIntOp>(loc, count - 1, 64));
  Value value = b.create<tensor::ExtractOp>(
      loc, labels,
      ValueRange{b.create<arith::IndexCastOp>(loc, b.getIndexType(), clamped)});
  if (value.getType() != i64)
    value = b.create<arith::ExtSIOp>(loc, i64, value);

  callRuntime(b, loc, "credo_rt_check_labels",
              {firstBad, value, b.create<arith::ConstantIntOp>(loc, count, 64),
               b.create<arith::ConstantIntOp>(loc, classes, 64),
               siteText(b, loc, what)});
}
