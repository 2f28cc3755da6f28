//===- Coagent.cpp - The coagent policy-gradient rule -----------*- C++ -*-===//
//
// Implements credo-coagent, the rule "coagent" (Kostas, Nota & Thomas,
// arXiv 1902.05650): every stochastic unit (credo.bernoulli,
// credo.categorical) whose logits are a dense layer θ·X + b is a coagent
// that learns from its own policy-gradient term
//   θ_i += α γ^t E_t^i Ĝ ∇_θ ln π_i(U_t | X_t),   ∇_θ ln π = X ⊗ score,
// scaled by one global scalar Ĝ: the TD error of a critic in the graph
// (signal "td") or the return (signal "return", REINFORCE). No gradient
// flows between units. An environment loop calls two functions per step:
//   @act(inputs…) → (outputs…, new.NAME…): samples, holds, and records each
//       coagent's term in its trace parameter NAME_trace;
//   @train_step(reward, done, last, [next_INPUT…,] lr) → (signal, new.NAME…):
//       forms Ĝ, updates every coagent (the model's optimizer on the raw
//       update) and the critic, and at the end of an episode (`last`) resets
//       the held outputs, traces and discount.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "FuncResults.h"
#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOCOAGENT
#include "credo/Transforms/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using namespace mlir::credo;

namespace {

/// One coagent layer: its logits' dense op and the values of its term.
struct Coagent {
  Operation *sampler;
  DenseOp dense;
  GetParamOp weight, bias; ///< bias may be null
  Value score;             ///< ∂ ln π / ∂logits, times the execute flags
};

/// Tensor arithmetic on credo ops at one place.
struct Math {
  OpBuilder &b;
  Location loc;
  Value constant(RankedTensorType t, double v) {
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(t, b.getFloatAttr(t.getElementType(), v)));
  }
  /// The sum of all elements, as a rank-0 tensor.
  Value total(Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 0)
      return v;
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < t.getRank(); ++d)
      dims.push_back(d);
    return make<ReduceSumOp>(
        b, loc, {v}, {b.getNamedAttr("dims", b.getDenseI64ArrayAttr(dims))});
  }
  Value add(Value x, Value y) { return make<AddOp>(b, loc, {x, y}); }
  Value sub(Value x, Value y) { return make<SubOp>(b, loc, {x, y}); }
  Value mul(Value x, Value y) { return make<MulOp>(b, loc, {x, y}); }
  Value scale(Value x, double f) {
    if (f == 1.0)
      return x;
    return make<ScaleOp>(b, loc, {x},
                         {b.getNamedAttr("factor", b.getF64FloatAttr(f))});
  }
  /// s·x for a rank-0 `s`.
  Value times(Value s, Value x) {
    auto t = cast<RankedTensorType>(x.getType());
    if (t.getRank() == 0)
      return mul(s, x);
    std::string letters = std::string("abcdefgh").substr(0, t.getRank());
    return make<EinsumOp>(
        b, loc, {s, x},
        {b.getNamedAttr("spec",
                        b.getStringAttr("," + letters + "->" + letters))});
  }
  /// X ⊗ z summed over the batch: [B, I] × [B, J] → [I, J].
  Value outer(Value x, Value z) {
    return make<EinsumOp>(
        b, loc, {x, z}, {b.getNamedAttr("spec", b.getStringAttr("bi,bj->ij"))});
  }
  Value batchSum(Value z) {
    return make<ReduceSumOp>(
        b, loc, {z}, {b.getNamedAttr("dims", b.getDenseI64ArrayAttr({0}))});
  }
};

struct CoagentPass : public mlir::credo::impl::CredoCoagentBase<CoagentPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(build(module)))
      signalPassFailure();
  }

  /// A compiler-made state parameter, declared after the others; a name
  /// the model already uses is an error (a parameter of the same shape would
  /// silently become the rule's state).
  LogicalResult declare(ModuleOp module, StringRef name, RankedTensorType type,
                        InitKind kind, Location loc) {
    if (module.lookupSymbol(name))
      return emitError(loc) << "the coagent rule keeps its state in '" << name
                            << "', which is already a name of the model; "
                               "rename that parameter";
    SmallVector<ParamOp> params(module.getOps<ParamOp>());
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    if (!params.empty())
      b.setInsertionPointAfter(params.back());
    else
      b.setInsertionPointToStart(module.getBody());
    auto init =
        InitAttr::get(module.getContext(), kind, APFloat(0.0), APFloat(0.0),
                      APFloat(0.0), APFloat(0.0), APFloat(0.0), 0, 0, 0);
    b.create<ParamOp>(loc, b.getStringAttr(name), TypeAttr::get(type), init,
                      UnitAttr());
    return success();
  }

  LogicalResult build(ModuleOp module) {
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal())
      return module.emitError("credo-coagent: the module has no @forward");
    for (StringRef fn : {"act", "train_step"})
      if (module.lookupSymbol(fn))
        return module.emitError()
               << "credo-coagent: the module already has @" << fn;
    FailureOr<std::optional<TrainingContract>> contract =
        TrainingContract::read(module);
    if (failed(contract))
      return failure();
    if (!*contract)
      return module.emitError("credo-coagent: the model has no training "
                              "section");
    const TrainingContract::CoagentConfig &cfg = (*contract)->coagent;
    bool td = cfg.signal == "td";
    if (!td && cfg.signal != "return")
      return module.emitError()
             << "credo-coagent: signal must be \"td\" (a critic's TD error) "
                "or \"return\" (REINFORCE), but got '"
             << cfg.signal << "'";

    // The inputs: one environment, batch 1.
    for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
      auto t = dyn_cast<RankedTensorType>(forward.getArgument(i).getType());
      if (t && t.getRank() > 0 && t.getDimSize(0) == 1)
        continue;
      InFlightDiagnostic diag = forward.emitError()
                                << "the coagent rule runs one environment, so "
                                   "every input has batch size 1, but input ";
      if (auto n = forward.getArgAttrOfType<StringAttr>(i, "credo.name"))
        diag << "'" << n.getValue() << "'";
      else
        diag << i;
      if (!t || t.getRank() == 0)
        return diag << " is a scalar";
      diag << " has shape [";
      llvm::interleaveComma(t.getShape(), diag);
      return diag << "]";
    }

    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(forward);
    auto act = cast<func::FuncOp>(builder.clone(*forward));
    act.setName("act");
    expandTrainingForms(act);
    Block &body = act.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    builder.setInsertionPoint(ret);
    // What the rule adds is its own "node" in diagnostics and profiles.
    Location loc = NameLoc::get(builder.getStringAttr("coagent"), act.getLoc());
    Math m{builder, loc};

    // The coagents.
    SmallVector<Coagent> coagents;
    SmallVector<HoldOp> holds;
    for (Operation &op : body) {
      if (auto hold = dyn_cast<HoldOp>(op))
        holds.push_back(hold);
      if (!isa<BernoulliOp, CategoricalOp, BernoulliLogProbOp,
               CategoricalLogProbOp>(op))
        continue;
      Value logits = op.getOperand(0);
      auto dense = logits.getDefiningOp<DenseOp>();
      GetParamOp weight =
          dense ? dense.getWeight().getDefiningOp<GetParamOp>() : GetParamOp();
      GetParamOp bias = dense && dense.getBias()
                            ? dense.getBias().getDefiningOp<GetParamOp>()
                            : GetParamOp();
      if (!weight || (dense.getBias() && !bias))
        return op.emitError()
               << "the coagent rule needs each sampler's logits to be a dense "
                  "node of parameters (θ·X + b), so that its policy-gradient "
                  "term is X ⊗ score";
      // Drawn: (sample, log_prob, score); given: the sample is operand 1.
      bool given = isa<BernoulliLogProbOp, CategoricalLogProbOp>(op);
      Value sample = given ? op.getOperand(1) : op.getResult(0);
      Coagent c{&op, dense, weight, bias, op.getResult(given ? 1 : 2)};
      // Units that did not execute add no term.
      for (Operation *user : sample.getUsers())
        if (auto hold = dyn_cast<HoldOp>(user))
          if (hold.getInput() == sample)
            c.score = m.mul(hold.getFlags(), c.score);
      coagents.push_back(c);
    }
    if (coagents.empty())
      return act.emitError() << "the coagent rule needs stochastic units "
                                "(bernoulli or categorical nodes); the graph "
                                "has none";
    for (TimeLoopOp loop : body.getOps<TimeLoopOp>())
      if (loop.walk([](Operation *op) {
                return isa<BernoulliOp, CategoricalOp, BernoulliLogProbOp,
                           CategoricalLogProbOp>(op)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted())
        return loop.emitError() << "the coagent rule does not yet train "
                                   "stochastic units inside a time_loop";

    // Each coagent's term for this step: ∇θ ln π = X ⊗ (E·score).
    llvm::StringMap<Value> terms; // parameter → this step's term
    SmallVector<std::string> trained;
    auto addTerm = [&](GetParamOp p, Value term) -> LogicalResult {
      std::string name = p.getName().str();
      if (terms.count(name))
        return p.emitError() << "parameter '" << name
                             << "' feeds two coagents; the coagent rule "
                                "needs each unit's parameters to be its own";
      terms[name] = term;
      trained.push_back(name);
      return success();
    };
    for (Coagent &c : coagents) {
      if (failed(addTerm(c.weight, m.outer(c.dense.getInput(), c.score))))
        return failure();
      if (c.bias && failed(addTerm(c.bias, m.batchSum(c.score))))
        return failure();
    }

    // The critic (td): v = X_c·W_v (+ b_v), one output.
    DenseOp critic;
    SmallVector<std::pair<std::string, Value>> criticTerms;
    if (td) {
      if (cfg.critic.empty())
        return module.emitError()
               << "the coagent rule with signal \"td\" needs a critic: "
                  "training.coagent.critic names a dense node with one "
                  "output (a linear or, on one-hot states, tabular value)";
      for (Operation &op : body)
        if (nodeOf(&op) == cfg.critic && isa<DenseOp>(op))
          critic = cast<DenseOp>(op);
      if (!critic)
        return module.emitError() << "the critic '" << cfg.critic
                                  << "' is not a dense node of the graph";
      auto vt = cast<RankedTensorType>(critic.getType());
      auto w = critic.getWeight().getDefiningOp<GetParamOp>();
      auto bv = critic.getBias() ? critic.getBias().getDefiningOp<GetParamOp>()
                                 : GetParamOp();
      if (vt.getDimSize(1) != 1 || !w || (critic.getBias() && !bv))
        return critic.emitError()
               << "is the critic, so it must be a dense node of parameters "
                  "with one output, but it is "
               << vt;
      Value ones = m.constant(vt, 1.0);
      criticTerms.push_back(
          {w.getName().str(), m.outer(critic.getInput(), ones)});
      if (bv)
        criticTerms.push_back({bv.getName().str(), m.batchSum(ones)});
      for (auto &[name, term] : criticTerms)
        if (terms.count(name))
          return critic.emitError() << "parameter '" << name
                                    << "' belongs to a coagent and the "
                                       "critic; give the critic its own";
    }

    // State: traces, the return accumulators (return), the critic's value
    // and traces (td), the discount γ^t.
    auto typeOf = [&](StringRef name) {
      return module.lookupSymbol<ParamOp>(name).getTensorType();
    };
    auto scalarF =
        RankedTensorType::get({}, typeOf(trained.front()).getElementType());
    for (const std::string &p : trained) {
      if (failed(
              declare(module, p + "_trace", typeOf(p), InitKind::Zeros, loc)) ||
          (!td && failed(declare(module, p + "_return", typeOf(p),
                                 InitKind::Zeros, loc))))
        return failure();
    }
    if (td) {
      if (failed(declare(module, "critic_value",
                         cast<RankedTensorType>(critic.getType()),
                         InitKind::Zeros, loc)))
        return failure();
      for (auto &[name, term] : criticTerms)
        if (failed(declare(module, name + "_trace", typeOf(name),
                           InitKind::Zeros, loc)))
          return failure();
    }
    if (failed(
            declare(module, "coagent_discount", scalarF, InitKind::Ones, loc)))
      return failure();

    // @act's results: the outputs, then every parameter's next value.
    llvm::StringMap<Value> actNext;
    auto read = [&](func::FuncOp fn, StringRef name) {
      return readParam(builder, fn, module.lookupSymbol<ParamOp>(name));
    };
    for (const std::string &p : trained) {
      Value term = terms[p];
      actNext[p + "_trace"] = td ? term : m.add(read(act, p + "_trace"), term);
    }
    if (td) {
      actNext["critic_value"] = critic.getResult();
      for (auto &[name, term] : criticTerms)
        actNext[name + "_trace"] = term;
    }
    for (HoldOp hold : holds)
      if (auto held = hold.getPrevious().getDefiningOp<GetParamOp>())
        actNext[held.getName()] = hold.getResult();
    // @train_step(reward, done, last, [next_INPUT…,] lr).
    auto f = scalarF.getElementType();
    auto signalType = RankedTensorType::get({1}, f);
    SmallVector<Type> argTypes = {signalType, signalType, signalType};
    SmallVector<std::string> argNames = {"reward", "done", "last"};
    if (td)
      for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
        argTypes.push_back(forward.getArgument(i).getType());
        auto n = forward.getArgAttrOfType<StringAttr>(i, "credo.name");
        argNames.push_back("next_" +
                           (n ? n.getValue().str() : std::to_string(i)));
      }
    argTypes.push_back(scalarF);
    argNames.push_back("lr");
    builder.setInsertionPointAfter(act);
    auto step = builder.create<func::FuncOp>(
        forward.getLoc(), "train_step", builder.getFunctionType(argTypes, {}));
    for (auto [i, name] : llvm::enumerate(argNames))
      step.setArgAttr(i, "credo.name", builder.getStringAttr(name));
    Block *entry = step.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    auto placeholder = builder.create<func::ReturnOp>(loc);
    builder.setInsertionPoint(placeholder);
    Value reward = m.total(step.getArgument(0));
    Value done = m.total(step.getArgument(1));
    Value last = m.total(step.getArgument(2));
    Value lr = step.getArgument(argTypes.size() - 1);
    Value one = m.constant(scalarF, 1.0);
    Value keep = m.sub(one, last); // 1 unless the episode ends
    Value discount = read(step, "coagent_discount");
    llvm::StringMap<Value> stepNext;
    SmallVector<ParamUpdate> updates;
    Value signal;
    if (td) {
      // v(S') from the critic's slice of @forward on the next inputs.
      llvm::SetVector<Operation *> slice;
      SmallVector<Operation *> work = {critic.getOperation()};
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        if (!slice.insert(op))
          continue;
        for (Value v : op->getOperands())
          if (Operation *def = v.getDefiningOp())
            work.push_back(def);
      }
      IRMapping map;
      for (unsigned i = 0; i < act.getNumArguments(); ++i)
        map.map(act.getArgument(i), step.getArgument(3 + i));
      Value vNext;
      for (Operation &op : body) {
        if (!slice.contains(&op))
          continue;
        if (isa<BernoulliOp, CategoricalOp, BernoulliLogProbOp,
                CategoricalLogProbOp, ExecuteFlagsOp>(op))
          return critic.emitError()
                 << "is the critic, so it must not depend on stochastic "
                    "units (it reads '"
                 << nodeOf(&op) << "')";
        Operation *copy = builder.clone(op, map);
        if (&op == critic.getOperation())
          vNext = copy->getResult(0);
      }
      // δ = r + γ(1 − done)·v(S') − v(S)
      Value bootstrap =
          m.mul(m.scale(m.sub(one, done), cfg.gamma), m.total(vNext));
      signal =
          m.sub(m.add(reward, bootstrap), m.total(read(step, "critic_value")));
      Value scaled = m.mul(discount, signal);
      for (const std::string &p : trained)
        updates.push_back(
            {module.lookupSymbol<ParamOp>(p).getSymName(), read(step, p),
             m.times(scaled, read(step, p + "_trace")), typeOf(p)});
      Value criticStep = m.scale(signal, cfg.criticLr);
      for (auto &[name, term] : criticTerms)
        stepNext[name] = m.add(
            read(step, name), m.times(criticStep, read(step, name + "_trace")));
    } else {
      // Σ_t γ^t G_t z_t = Σ_k γ^k r_k Σ_{t≤k} z_t: accumulate γ^k r_k·Z_k,
      // apply it when the episode ends.
      signal = reward;
      Value scaled = m.mul(discount, reward);
      for (const std::string &p : trained) {
        Value z = read(step, p + "_trace");
        Value acc = m.add(read(step, p + "_return"), m.times(scaled, z));
        updates.push_back({module.lookupSymbol<ParamOp>(p).getSymName(),
                           read(step, p), m.times(last, acc), typeOf(p)});
        stepNext[p + "_return"] = m.times(keep, acc);
        stepNext[p + "_trace"] = m.times(keep, z);
      }
    }
    stepNext["coagent_discount"] =
        m.add(m.times(keep, m.scale(discount, cfg.gamma)), last);
    for (HoldOp hold : holds)
      if (auto held = hold.getPrevious().getDefiningOp<GetParamOp>())
        stepNext[held.getName()] = m.times(keep, read(step, held.getName()));
    FailureOr<SmallVector<Value>> next =
        applyOptimizer(builder, module, step, (*contract)->optimizer, lr,
                       updates, /*rawUpdates=*/true);
    if (failed(next))
      return failure();
    returnNextParams(
        builder, module, step, signal,
        builder.getDictionaryAttr(builder.getNamedAttr(
            "credo.name", builder.getStringAttr(td ? "td_error" : "reward"))),
        *next, stepNext);

    // @act's results, now that every parameter is declared: the outputs,
    // then every parameter's next value.
    {
      auto actRet = cast<func::ReturnOp>(body.getTerminator());
      builder.setInsertionPoint(actRet);
      SmallVector<Attribute> names;
      for (unsigned i = 0; i < act.getNumResults(); ++i)
        names.push_back(act.getResultAttrDict(i)
                            ? Attribute(act.getResultAttrDict(i))
                            : builder.getDictionaryAttr({}));
      // Parameters @act does not change keep their value; generators
      // advance.
      SmallVector<Value> next;
      for (ParamOp param : module.getOps<ParamOp>()) {
        Value value = actNext.lookup(param.getSymName());
        if (!value) {
          value = read(act, param.getSymName());
          if (param.getInit().getKind() == InitKind::Generator)
            value = make<GeneratorNextOp>(builder, loc, {value});
        }
        next.push_back(value);
      }
      returnNextParams(builder, module, act, actRet.getOperands(), names, next);
    }

    return success();
  }
};

} // namespace
