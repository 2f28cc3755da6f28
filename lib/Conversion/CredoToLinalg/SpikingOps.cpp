//===- SpikingOps.cpp - LIF steps, Poisson encoding, spike counts → linalg
//-===//
//
// credo.lif and credo.lif_grad become one elementwise linalg.generic each,
// with every state tensor an output of the same loop nest (the LIF update
// fused). credo.poisson_encode computes Philox-4x32-10 blocks inside its
// generic from the index, one per four elements (each takes one word), so
// every element's number is independent of evaluation order. spike_count
// is a sum over time, spike_count_grad a broadcast.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "Patterns.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::credo;
using namespace mlir::credo::linalg_builders;

namespace {

/// The attributes of a lif or lif_grad op, as numbers.
struct LifParams {
  LifModel model;
  LifReset reset;
  double beta, tauM, tauS, theta, slope;
  int64_t tRef;
  bool detach;
  std::optional<Surrogate> surrogate;

  template <typename Op> static LifParams of(Op op) {
    return {op.getModel(),
            op.getReset(),
            op.getBeta().convertToDouble(),
            op.getTauM().convertToDouble(),
            op.getTauS().convertToDouble(),
            op.getThreshold().convertToDouble(),
            op.getSlope().convertToDouble(),
            int64_t(op.getTRef()),
            op.getDetachReset(),
            op.getSurrogate()};
  }
  bool hasRefractory() const { return model == LifModel::Current || tRef > 0; }
};

/// One forward LIF step on scalars: the state (v, [c], [r]) and input I.
struct LifStep {
  Value sPrev; ///< beta: the previous spike H(v − θ)
  Value cNew;  ///< current: c'
  Value pre;   ///< the potential compared with θ (v' for beta, u for current)
  Value refr;  ///< i1: refractory this step (null without refractoriness)
  Value spike; ///< 0 or 1
  Value vNew;  ///< v'
  Value rNew;  ///< r' (null without refractoriness)
};

LifStep lifForward(Scalar &s, const LifParams &p, Value input,
                   ValueRange state) {
  LifStep out;
  Value v = state[0];
  Value theta = s.c(p.theta);
  // H(x − θ), but NaN for a NaN potential: a NaN current reaches the spike
  // counts and the loss instead of silencing the neuron.
  auto fire = [&](Value x) {
    Value nan =
        s.b.create<arith::CmpFOp>(s.loc, arith::CmpFPredicate::UNO, x, x);
    return s.select(nan, x, s.step(s.gt(x, theta)));
  };
  Value r;
  if (p.hasRefractory()) {
    r = state.back();
    out.refr = s.gt(r, s.c(0.0));
  }
  if (p.model == LifModel::Beta) {
    out.sPrev = s.step(s.gt(v, theta));
    Value leak = s.mul(s.c(p.beta), v);
    Value vn = p.reset == LifReset::Subtract
                   ? s.sub(s.add(leak, input), s.mul(theta, out.sPrev))
                   : s.add(s.mul(leak, s.sub(s.c(1), out.sPrev)), input);
    if (out.refr)
      vn = s.select(out.refr, s.c(0), vn);
    out.pre = vn;
    out.vNew = vn;
    out.spike = fire(vn);
  } else {
    Value c = state[1];
    out.cNew = s.add(s.mul(c, s.c(1 - 1 / p.tauS)), input);
    Value u =
        s.add(s.mul(v, s.c(1 - 1 / p.tauM)), s.mul(out.cNew, s.c(1 / p.tauS)));
    u = s.select(out.refr, s.c(0), u);
    out.pre = u;
    out.spike = fire(u);
    out.vNew = p.reset == LifReset::Zero ? s.mul(u, s.sub(s.c(1), out.spike))
                                         : s.sub(u, s.mul(theta, out.spike));
  }
  if (out.refr) {
    Value countdown = s.max(s.sub(r, s.c(1)), s.c(0));
    out.rNew =
        s.select(s.gt(out.spike, s.c(0)), s.c(double(p.tRef)), countdown);
  }
  return out;
}

/// The surrogate derivative σ'(x) of the spike's step function.
Value surrogateAt(Scalar &s, Surrogate kind, double k, Value x) {
  switch (kind) {
  case Surrogate::FastSigmoid: { // 1 / (1 + k|x|)²
    Value d = s.add(s.c(1), s.mul(s.c(k), s.abs(x)));
    return s.div(s.c(1), s.mul(d, d));
  }
  case Surrogate::Arctan: { // (k/2) / (1 + (πkx/2)²)
    Value a = s.mul(s.c(M_PI * k / 2), x);
    return s.div(s.c(k / 2), s.add(s.c(1), s.mul(a, a)));
  }
  case Surrogate::Triangle: // k·max(0, 1 − k|x|)
    return s.mul(s.c(k), s.max(s.c(0), s.sub(s.c(1), s.mul(s.c(k), s.abs(x)))));
  }
  return s.c(0);
}

struct LifLowering : OpRewritePattern<LifOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LifOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    LifParams p = LifParams::of(op);
    SmallVector<Value> inputs = {op.getInput()};
    llvm::append_range(inputs, op.getState());
    rewriter.replaceOp(
        op, elementwiseMulti(
                rewriter, op.getLoc(), type, inputs, op->getNumResults(),
                [&](OpBuilder &b, Location loc, ValueRange a) {
                  Scalar s{b, loc, type.getElementType()};
                  LifStep st = lifForward(s, p, a[0], a.drop_front());
                  SmallVector<Value> out = {st.vNew};
                  if (p.model == LifModel::Current)
                    out.push_back(st.cNew);
                  if (st.rNew)
                    out.push_back(st.rNew);
                  out.push_back(st.spike);
                  return out;
                }));
    return success();
  }
};

struct LifGradLowering : OpRewritePattern<LifGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LifGradOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    LifParams p = LifParams::of(op);
    if (!p.surrogate)
      return rewriter.notifyMatchFailure(op, "no surrogate");
    unsigned n = op.getState().size();
    SmallVector<Value> inputs = {op.getInput()};
    llvm::append_range(inputs, op.getState());
    llvm::append_range(inputs, op.getGrads());
    rewriter.replaceOp(
        op,
        elementwiseMulti(
            rewriter, op.getLoc(), type, inputs, op->getNumResults(),
            [&](OpBuilder &b, Location loc, ValueRange a) {
              Scalar s{b, loc, type.getElementType()};
              ValueRange state = a.slice(1, n);
              ValueRange g = a.drop_front(1 + n); // new state…, spikes
              LifStep st = lifForward(s, p, a[0], state);
              Value theta = s.c(p.theta);
              Value gv1 = g[0], gs = g.back();
              Value sig =
                  surrogateAt(s, *p.surrogate, p.slope, s.sub(st.pre, theta));
              SmallVector<Value> out;
              if (p.model == LifModel::Beta) {
                // v' = pre: G = g_v' + g_s·σ'(v' − θ).
                Value G = s.add(gv1, s.mul(gs, sig));
                if (st.refr)
                  G = s.select(st.refr, s.c(0), G);
                Value v = state[0];
                Value dv = p.reset == LifReset::Subtract
                               ? s.c(p.beta)
                               : s.mul(s.c(p.beta), s.sub(s.c(1), st.sPrev));
                if (!p.detach) {
                  Value sigPrev =
                      surrogateAt(s, *p.surrogate, p.slope, s.sub(v, theta));
                  Value through = p.reset == LifReset::Subtract
                                      ? theta
                                      : s.mul(s.c(p.beta), v);
                  dv = s.sub(dv, s.mul(through, sigPrev));
                }
                out = {G, s.mul(dv, G)};
              } else {
                // v' = u·(1 − s) or u − θ·s, with s = H(u − θ).
                Value dvdu = p.reset == LifReset::Zero ? s.sub(s.c(1), st.spike)
                                                       : s.c(1);
                if (!p.detach)
                  dvdu = s.sub(
                      dvdu,
                      s.mul(p.reset == LifReset::Zero ? st.pre : theta, sig));
                Value G = s.add(s.mul(gv1, dvdu), s.mul(gs, sig));
                G = s.select(st.refr, s.c(0), G);
                Value Gc = s.add(g[1], s.mul(G, s.c(1 / p.tauS)));
                out = {Gc, s.mul(G, s.c(1 - 1 / p.tauM)),
                       s.mul(Gc, s.c(1 - 1 / p.tauS))};
              }
              if (p.hasRefractory())
                out.push_back(s.c(0)); // the counter has no gradient
              return out;
            }));
    return success();
  }
};

struct PoissonEncodeLowering : DrawPattern<PoissonEncodeOp> {
  using DrawPattern::DrawPattern;
  LogicalResult matchAndRewrite(PoissonEncodeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type t = type.getElementType();
    KeyedDraws draws(rewriter, loc, op.getGenerator(), op.getStream(),
                     op.getStep(), lanes);
    double scale = op.getRateScale().convertToDouble();
    StringRef part = op.getPart();
    // m = [p > ½], the value at most steps.
    auto majorityOf = [&](Scalar &s, Value p) {
      return s.step(s.b.create<arith::CmpFOp>(s.loc, arith::CmpFPredicate::OGT,
                                              p, s.c(0.5)));
    };
    // A NaN rate gives NaN, not silence (u < NaN is false), so that it
    // reaches the loss.
    auto keepNaN = [&](OpBuilder &b, Location l, Value p, Value v) -> Value {
      Value nan = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, p, p);
      return b.create<arith::SelectOp>(l, nan, p, v);
    };
    if (part == "majority") {
      rewriter.replaceOp(
          op, elementwise(rewriter, loc, type, {op.getInput()},
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            Scalar s{b, l, t};
                            Value p = s.mul(a[0], s.c(scale));
                            return keepNaN(b, l, p, majorityOf(s, p));
                          }));
      return success();
    }
    // The spike of intensity x for the Philox word w (minus the majority
    // for the residual).
    auto spikeOf = [&](OpBuilder &b, Location l, Value w, Value x) -> Value {
      Scalar s{b, l, t};
      Value u = KeyedDraws::toUniform(b, l, w, t);
      Value p = s.mul(x, s.c(scale));
      Value spike =
          s.step(b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, u, p));
      if (part == "residual")
        spike = s.sub(spike, majorityOf(s, p));
      return keepNaN(b, l, p, spike);
    };
    Type i32 = rewriter.getI32Type();
    auto i32Const = [&](OpBuilder &b, Location l, int32_t v) -> Value {
      return b.create<arith::ConstantOp>(l, i32, b.getIntegerAttr(i32, v));
    };
    // Word k of a block by a select chain on k (i32 or index).
    auto pick = [&](OpBuilder &b, Location l, ArrayRef<Value> words,
                    Value k) -> Value {
      Value w = words[0];
      for (int32_t j = 1; j < 4; ++j) {
        Value is = k.getType().isIndex()
                       ? b.create<arith::CmpIOp>(
                              l, arith::CmpIPredicate::eq, k,
                              b.create<arith::ConstantIndexOp>(l, j))
                             .getResult()
                       : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, k,
                                                 i32Const(b, l, j))
                             .getResult();
        w = b.create<arith::SelectOp>(l, is, words[j], w);
      }
      return w;
    };
    int64_t n = type.getNumElements();
    if (n % 4 != 0) {
      // Element i takes word i mod 4 of block ⌊i/4⌋: each element computes
      // its block (the sizes that are not a multiple of 4).
      ArrayRef<int64_t> shape = type.getShape();
      rewriter.replaceOp(
          op, elementwise(
                  rewriter, loc, type, {op.getInput()},
                  [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                    Value i = KeyedDraws::linearIndex(b, l, shape);
                    Value g = b.create<arith::ShRUIOp>(l, i, i32Const(b, l, 2));
                    Value k = b.create<arith::AndIOp>(l, i, i32Const(b, l, 3));
                    return spikeOf(b, l, pick(b, l, draws.block(b, l, g), k),
                                   a[0]);
                  }));
      return success();
    }
    // One Philox block per four consecutive elements: the input as [G, 4],
    // one generic over (g, k) whose block depends on g alone (LLVM hoists
    // it out of the loop over k, unrolls that loop and vectorizes over g).
    int64_t groups = n / 4;
    auto grouped = RankedTensorType::get({groups, 4}, t);
    Value x = reshapeVia1D(rewriter, loc, op.getInput(), grouped);
    Value spikes = elementwise(
        rewriter, loc, grouped, {x},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value group = b.create<arith::IndexCastUIOp>(
              l, i32, b.create<linalg::IndexOp>(l, 0));
          SmallVector<Value, 4> words = draws.block(b, l, group);
          return spikeOf(
              b, l, pick(b, l, words, b.create<linalg::IndexOp>(l, 1)), a[0]);
        });
    rewriter.replaceOp(op, reshapeVia1D(rewriter, loc, spikes, type));
    return success();
  }
};

struct GeneratorNextLowering : OpRewritePattern<GeneratorNextOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GeneratorNextOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Location loc = op.getLoc();
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(1));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{op.getGenerator()},
        ValueRange{rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                    type.getElementType())},
        maps, SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Element 1 (the draw count) goes up by one; the seed stays.
          Value isCount = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::eq, b.create<linalg::IndexOp>(l, 0),
              b.create<arith::ConstantIndexOp>(l, 1));
          Value inc = b.create<arith::ExtUIOp>(l, b.getI64Type(), isCount);
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::AddIOp>(l, args[0], inc)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// exp_filter: y = a·trace + b·x.
struct ExpFilterLowering : OpRewritePattern<ExpFilterOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExpFilterOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    double a = op.getDecay(), gain = op.getInputGain();
    rewriter.replaceOp(
        op,
        elementwise(rewriter, op.getLoc(), type, {op.getInput(), op.getTrace()},
                    [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                      Scalar s{b, l, type.getElementType()};
                      return s.add(s.mul(s.c(a), v[1]),
                                   gain == 1.0 ? v[0] : s.mul(s.c(gain), v[0]));
                    }));
    return success();
  }
};

/// s_psp: one scf.for over the steps. Its state, updated in place by
/// generics that write into the loop's own tensors: e and the membrane
/// traces [B, N, M], the current traces [B, M], and each post neuron's
/// pending reset step [B, N]. The pre trains are first delayed by t_ref.
struct SpikeTrainPspLowering : OpRewritePattern<SpikeTrainPspOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpikeTrainPspOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto postType = cast<RankedTensorType>(op.getPost().getType());
    auto preType = cast<RankedTensorType>(op.getPre().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = postType.getElementType();
    int64_t T = postType.getDimSize(0), B = postType.getDimSize(1),
            N = postType.getDimSize(2), M = preType.getDimSize(2);
    int64_t tRef = int64_t(op.getTRef());
    double tauM = op.getTauM().convertToDouble();
    double tauS = op.getTauS().convertToDouble();
    MLIRContext *ctx = getContext();
    auto d = [&](unsigned i) { return rewriter.getAffineDimExpr(i); };
    // Maps of the (b, i, j) iteration space.
    AffineMap bi = AffineMap::get(3, 0, {d(0), d(1)}, ctx);
    AffineMap bj = AffineMap::get(3, 0, {d(0), d(2)}, ctx);
    AffineMap bij = rewriter.getMultiDimIdentityMap(3);
    AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
    auto parallel = [](unsigned n) {
      return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
    };
    auto trainType = [&](int64_t n) {
      return RankedTensorType::get({B, n}, elt);
    };

    // Arrivals: the pre trains t_ref steps later (zeros before).
    Value arrivals = op.getPre();
    if (tRef > 0) {
      Value zeros = filled(rewriter, loc, preType, 0.0);
      if (tRef < T) {
        Value head = rewriter.create<tensor::ExtractSliceOp>(
            loc, op.getPre(),
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                                   rewriter.getIndexAttr(0),
                                   rewriter.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(T - tRef),
                                   rewriter.getIndexAttr(B),
                                   rewriter.getIndexAttr(M)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                                   rewriter.getIndexAttr(1),
                                   rewriter.getIndexAttr(1)});
        arrivals = rewriter.create<tensor::InsertSliceOp>(
            loc, head, zeros,
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(tRef),
                                   rewriter.getIndexAttr(0),
                                   rewriter.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(T - tRef),
                                   rewriter.getIndexAttr(B),
                                   rewriter.getIndexAttr(M)},
            ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                                   rewriter.getIndexAttr(1),
                                   rewriter.getIndexAttr(1)});
      } else {
        arrivals = zeros;
      }
    }
    // Step k of a train [T, B, n], as [B, n].
    auto stepOf = [&](OpBuilder &b, Value train, Value k, int64_t n) -> Value {
      return b.create<tensor::ExtractSliceOp>(
          loc, trainType(n), train,
          ArrayRef<OpFoldResult>{k, b.getIndexAttr(0), b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(B),
                                 b.getIndexAttr(n)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                 b.getIndexAttr(1)});
    };

    SmallVector<Value> inits = {
        filled(rewriter, loc, resultType, 0.0),   // e
        filled(rewriter, loc, resultType, 0.0),   // membrane traces
        filled(rewriter, loc, trainType(M), 0.0), // current traces
        // The pending reset step: 0 (the first spike's s counts from 0),
        // or none without refractoriness (resets happen at the spike).
        filled(rewriter, loc, trainType(N), tRef > 0 ? 0.0 : -1.0)};
    Value lb = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value ub = rewriter.create<arith::ConstantIndexOp>(loc, T);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    auto loop = rewriter.create<scf::ForOp>(
        loc, lb, ub, one, inits,
        [&](OpBuilder &b, Location l, Value k, ValueRange state) {
          Value e = state[0], mem = state[1], cur = state[2],
                pending = state[3];
          Value postK = stepOf(b, op.getPost(), k, N);
          Value arrK = stepOf(b, arrivals, k, M);
          Value kf = b.create<arith::UIToFPOp>(
              l, elt, b.create<arith::IndexCastUIOp>(l, b.getI64Type(), k));
          auto pairs = b.create<linalg::GenericOp>(
              l, TypeRange{resultType, resultType},
              ValueRange{postK, arrK, cur, pending}, ValueRange{e, mem},
              ArrayRef<AffineMap>{bi, bj, bj, bi, bij, bij}, parallel(3),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Scalar s{nb, nl, elt};
                Value post = a[0], arr = a[1], curOld = a[2], due = a[3];
                Value eOld = a[4], memOld = a[5];
                Value c = s.mul(curOld, s.c(std::exp(-1.0 / tauS)));
                Value m = s.mul(memOld, s.c(std::exp(-1.0 / tauM)));
                Value resetNow = nb.create<arith::CmpFOp>(
                    nl, arith::CmpFPredicate::OEQ, due, kf);
                m = s.select(resetNow, c, m);
                Value fires = s.gt(post, s.c(0.0));
                Value gain = s.mul(s.sub(m, c), s.c(1.0 / (1.0 - tauS / tauM)));
                Value eNew = s.select(fires, s.add(eOld, gain), eOld);
                if (tRef == 0)
                  m = s.select(fires, c, m);
                nb.create<linalg::YieldOp>(nl, ValueRange{eNew, s.add(m, arr)});
              });
          auto curNew = b.create<linalg::GenericOp>(
              l, TypeRange{trainType(M)}, ValueRange{arrK}, ValueRange{cur},
              ArrayRef<AffineMap>{id2, id2}, parallel(2),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Scalar s{nb, nl, elt};
                nb.create<linalg::YieldOp>(
                    nl, ValueRange{s.add(
                            s.mul(a[1], s.c(std::exp(-1.0 / tauS))), a[0])});
              });
          auto pendingNew = b.create<linalg::GenericOp>(
              l, TypeRange{trainType(N)}, ValueRange{postK},
              ValueRange{pending}, ArrayRef<AffineMap>{id2, id2}, parallel(2),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Scalar s{nb, nl, elt};
                Value next = tRef > 0 ? s.add(kf, s.c(double(tRef))) : s.c(-1);
                nb.create<linalg::YieldOp>(
                    nl, ValueRange{s.select(s.gt(a[0], s.c(0.0)), next, a[1])});
              });
          b.create<scf::YieldOp>(
              l, ValueRange{pairs.getResult(0), pairs.getResult(1),
                            curNew.getResult(0), pendingNew.getResult(0)});
        });
    // A silent post neuron with an active pre neuron gets 0.1.
    Value postCount = reduce(rewriter, loc, op.getPost(), {0}, 0.0, addFloats);
    Value preCount = reduce(rewriter, loc, op.getPre(), {0}, 0.0, addFloats);
    rewriter.replaceOp(
        op, mapped(rewriter, loc, resultType,
                   {loop.getResult(0), postCount, preCount}, {bij, bi, bj},
                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                     Scalar s{b, l, elt};
                     Value silent = b.create<arith::CmpFOp>(
                         l, arith::CmpFPredicate::OEQ, a[1], s.c(0.0));
                     Value active = s.gt(a[2], s.c(0.0));
                     return s.select(b.create<arith::AndIOp>(l, silent, active),
                                     s.c(0.1), a[0]);
                   }));
    return success();
  }
};

/// einsum: one generic over every letter, accumulating the product of the
/// operands. The loops run over the result's letters, then the summed ones
/// (in the order they first appear); when no operand has a summed letter
/// as its last (contiguous) dimension — a sum over the batch, such as
/// `bj->j` or `bi,bj->ij` — the summed loops go outside instead, so that the
/// innermost loop walks rows of the operands and the result and vectorizes
/// (within the result's loops it would add up one strided column at a
/// time). Each element's sum runs over the summed letters in the same order
/// either way, so the bits are the same. Without summed
/// letters (a product with broadcasting) it yields the product and never
/// reads its output, so elementwise fusion may move it into a consumer
/// with more dimensions (an accumulating body would then add into each
/// element once per consumer iteration). Summed letters of extent 1 (an
/// outer product over a batch of one) are indexed at 0 instead, and the
/// body yields 0 + the product (the bits of the sum from zero): an
/// elementwise generic too.
struct EinsumLowering : OpRewritePattern<EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EinsumOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<std::string>> parts =
        EinsumOp::parseSpec(op.getSpec());
    if (failed(parts))
      return failure();
    std::string letters = parts->back();
    // Summed letters of extent 1 in every operand that has them.
    auto unit = [&](char c) {
      for (auto [p, input] :
           llvm::zip(llvm::ArrayRef(*parts).drop_back(), op.getInputs()))
        for (auto [d, x] : llvm::enumerate(p))
          if (x == c &&
              cast<RankedTensorType>(input.getType()).getDimSize(d) != 1)
            return false;
      return true;
    };
    std::string units;
    for (const std::string &p : llvm::ArrayRef(*parts).drop_back())
      for (char c : p)
        if (letters.find(c) == std::string::npos &&
            units.find(c) == std::string::npos)
          (unit(c) ? units : letters).push_back(c);
    bool unitSums = !units.empty();
    unsigned n = letters.size();
    std::string summed = letters.substr(parts->back().size());
    bool summedInside = llvm::any_of(
        llvm::ArrayRef(*parts).drop_back(), [&](const std::string &p) {
          return !p.empty() && summed.find(p.back()) != std::string::npos;
        });
    if (!summed.empty() && !summedInside)
      letters = summed + parts->back();
    auto mapOf = [&](const std::string &p) {
      SmallVector<AffineExpr> exprs;
      for (char c : p)
        exprs.push_back(units.find(c) != std::string::npos
                            ? rewriter.getAffineConstantExpr(0)
                            : rewriter.getAffineDimExpr(letters.find(c)));
      return AffineMap::get(n, 0, exprs, getContext());
    };
    SmallVector<AffineMap> maps;
    for (const std::string &p : *parts)
      maps.push_back(mapOf(p));
    SmallVector<utils::IteratorType> iters;
    for (char c : letters)
      iters.push_back(summed.find(c) == std::string::npos
                          ? utils::IteratorType::parallel
                          : utils::IteratorType::reduction);
    auto type = cast<RankedTensorType>(op.getType());
    bool sums = !summed.empty();
    Value init =
        sums ? filled(rewriter, op.getLoc(), type, 0.0)
             : rewriter.create<tensor::EmptyOp>(op.getLoc(), type.getShape(),
                                                type.getElementType());
    auto generic = rewriter.create<linalg::GenericOp>(
        op.getLoc(), TypeRange{type}, op.getInputs(), ValueRange{init}, maps,
        iters, [&](OpBuilder &b, Location l, ValueRange a) {
          Value prod = a[0];
          for (Value v : a.drop_front().drop_back())
            prod = b.create<arith::MulFOp>(l, prod, v);
          if (unitSums && !sums)
            prod = b.create<arith::AddFOp>(
                l, floatConst(b, l, type.getElementType(), 0.0), prod);
          b.create<linalg::YieldOp>(
              l, ValueRange{sums ? b.create<arith::AddFOp>(l, a.back(), prod)
                                 : prod});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct SpikeCountLowering : OpRewritePattern<SpikeCountOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpikeCountOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, reduce(rewriter, op.getLoc(), op.getInput(), {0}, 0.0, addFloats));
    return success();
  }
};

struct SpikeCountGradLowering : OpRewritePattern<SpikeCountGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpikeCountGradOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> dims;
    for (int64_t d = 1; d < type.getRank(); ++d)
      dims.push_back(d);
    rewriter.replaceOp(
        op, broadcast(rewriter, op.getLoc(), op.getGrad(), type, dims));
    return success();
  }
};

/// spike_masks: one generic over (plane, b, word, bit), the bit a
/// reduction over the bit values 2^j: word |= [s[b, 64·word + j] set in the
/// plane] · 2^j, the spike read with its index clamped (bits past K are 0).
struct SpikeMasksLowering : OpRewritePattern<SpikeMasksOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpikeMasksOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value s = op.getInput();
    auto st = cast<RankedTensorType>(s.getType());
    int64_t k = st.getDimSize(1);
    Type i64 = rewriter.getI64Type();
    Value init = rewriter
                     .create<linalg::FillOp>(
                         loc,
                         ValueRange{rewriter.create<arith::ConstantOp>(
                             loc, i64, rewriter.getI64IntegerAttr(0))},
                         ValueRange{empty(rewriter, loc, type)})
                     .getResult(0);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap out =
        AffineMap::get(4, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                        getAffineDimExpr(2, ctx)},
                       ctx);
    // The bit values 2^j, the input that spans the reduction.
    SmallVector<int64_t> powers;
    for (int64_t j = 0; j < 64; ++j)
      powers.push_back(int64_t(uint64_t(1) << j));
    auto powersType = RankedTensorType::get({64}, i64);
    Value bitValues = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(powersType, ArrayRef<int64_t>(powers)));
    AffineMap bitMap = AffineMap::get(4, 0, {getAffineDimExpr(3, ctx)}, ctx);
    SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{bitValues}, ValueRange{init},
        ArrayRef<AffineMap>{bitMap, out}, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto index = [&](int64_t d) -> Value {
            return b.create<linalg::IndexOp>(l, d);
          };
          auto cIndex = [&](int64_t v) -> Value {
            return b.create<arith::ConstantIndexOp>(l, v);
          };
          Value entry = b.create<arith::AddIOp>(
              l, b.create<arith::MulIOp>(l, index(2), cIndex(64)), index(3));
          Value inside = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult,
                                                 entry, cIndex(k));
          Value clamped =
              b.create<arith::SelectOp>(l, inside, entry, cIndex(k - 1));
          Value x =
              b.create<tensor::ExtractOp>(l, s, ValueRange{index(1), clamped});
          Type f = st.getElementType();
          Value zero = b.create<arith::ConstantOp>(l, f, b.getFloatAttr(f, 0));
          // A non-zero number; NaN is the pair (0, 1).
          Value set = b.create<arith::AndIOp>(
              l, inside,
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::ONE, x, zero));
          Value nan = b.create<arith::AndIOp>(
              l, inside,
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, x, x));
          Type bitsType = b.getIntegerType(f.getIntOrFloatBitWidth());
          Value bits = b.create<arith::BitcastOp>(l, bitsType, x);
          Value signBit = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::slt, bits,
              b.create<arith::ConstantOp>(l, bitsType,
                                          b.getIntegerAttr(bitsType, 0)));
          Value negativePlane = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::eq, index(0), cIndex(1));
          Value chosen = b.create<arith::SelectOp>(
              l, negativePlane,
              b.create<arith::OrIOp>(l, nan,
                                     b.create<arith::AndIOp>(l, set, signBit)),
              set);
          Value bit = b.create<arith::SelectOp>(
              l, chosen, args[0],
              b.create<arith::ConstantOp>(l, i64, b.getI64IntegerAttr(0)));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::OrIOp>(l, args[1], bit)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// spike_masks_matmul: one generic over (k, n, b), b a reduction in order:
/// acc ± d[b, n] where bit k mod 64 of word ⌊k/64⌋ of the row's non-zero
/// mask is set (− where its negative mask has it too), the sum the
/// zero-skipping product computes; NaN where only the negative mask has it.
struct SpikeMasksMatmulLowering : OpRewritePattern<SpikeMasksMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SpikeMasksMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr k = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               b = getAffineDimExpr(2, ctx);
    auto plane = [&](int64_t p) {
      return AffineMap::get(
          3, 0, {getAffineConstantExpr(p, ctx), b, k.floorDiv(64)}, ctx);
    };
    SmallVector<AffineMap> maps = {plane(0), plane(1),
                                   AffineMap::get(3, 0, {b, n}, ctx),
                                   AffineMap::get(3, 0, {k, n}, ctx)};
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    Type i64 = rewriter.getI64Type();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type},
        ValueRange{op.getMasks(), op.getMasks(), op.getRhs()},
        ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iters,
        [&](OpBuilder &bb, Location l, ValueRange args) {
          Value bit = bb.create<arith::AndIOp>(
              l,
              bb.create<arith::IndexCastUIOp>(l, i64,
                                              bb.create<linalg::IndexOp>(l, 0)),
              bb.create<arith::ConstantOp>(l, i64, bb.getI64IntegerAttr(63)));
          auto isSet = [&](Value word) -> Value {
            Value one =
                bb.create<arith::ConstantOp>(l, i64, bb.getI64IntegerAttr(1));
            return bb.create<arith::CmpIOp>(
                l, arith::CmpIPredicate::ne,
                bb.create<arith::AndIOp>(
                    l, bb.create<arith::ShRUIOp>(l, word, bit), one),
                bb.create<arith::ConstantOp>(l, i64, bb.getI64IntegerAttr(0)));
          };
          Value acc = args[3], d = args[2];
          Value negative = isSet(args[1]);
          Value signed_ = bb.create<arith::SelectOp>(
              l, negative, bb.create<arith::SubFOp>(l, acc, d),
              bb.create<arith::AddFOp>(l, acc, d));
          // The pair (0, 1) is NaN, which makes the sum NaN.
          Type f = type.getElementType();
          Value nan = bb.create<arith::ConstantOp>(
              l, f,
              bb.getFloatAttr(f, std::numeric_limits<double>::quiet_NaN()));
          Value skipped = bb.create<arith::SelectOp>(
              l, negative, bb.create<arith::AddFOp>(l, acc, nan), acc);
          bb.create<linalg::YieldOp>(
              l, ValueRange{bb.create<arith::SelectOp>(l, isSet(args[0]),
                                                       signed_, skipped)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void mlir::credo::populateSpikingToLinalgPatterns(RewritePatternSet &patterns,
                                                  GeneratorLanes lanes) {
  patterns.add<LifLowering, LifGradLowering, GeneratorNextLowering,
               ExpFilterLowering, SpikeTrainPspLowering, EinsumLowering,
               SpikeCountLowering, SpikeCountGradLowering, SpikeMasksLowering,
               SpikeMasksMatmulLowering>(patterns.getContext());
  patterns.add<PoissonEncodeLowering>(patterns.getContext(), lanes);
}
