//===- TrainingRuleTest.cpp - Registering a learning rule -------*- C++ -*-===//
//
// A rule registered from outside Credo's passes: the importer accepts its
// name, the driver's lookup finds its passes, and its pass builds
// @train_step with the shared optimizer builder fed with raw updates
// (here Δ = −gradient, so the step must be plain SGD's θ − lr·g).
//
//===----------------------------------------------------------------------===//

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"
#include "credo/Transforms/Passes.h"
#include "credo/Transforms/Training.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::credo;

namespace {

/// Builds @train_step from @gradients with Δθ = −∂L/∂θ as a raw update.
struct NegatedGradientStep
    : public PassWrapper<NegatedGradientStep, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(NegatedGradientStep)
  StringRef getArgument() const final { return "test-negated-gradient-step"; }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto contract = TrainingContract::read(module);
    auto gradients = module.lookupSymbol<func::FuncOp>("gradients");
    if (failed(contract) || !*contract || !gradients)
      return signalPassFailure();
    OpBuilder b(gradients);
    b.setInsertionPointAfter(gradients);
    auto step = cast<func::FuncOp>(b.clone(*gradients));
    step.setName("train_step");
    auto ret = cast<func::ReturnOp>(step.getBody().front().getTerminator());
    Type lossType = ret.getOperand(0).getType();
    step.insertArgument(step.getNumArguments(), lossType, {}, step.getLoc());
    Value lr = step.getArguments().back();
    b.setInsertionPoint(ret);
    SmallVector<ParamUpdate> updates;
    unsigned i = 1;
    for (ParamOp p : module.getOps<ParamOp>()) {
      Value w = b.create<GetParamOp>(
          p.getLoc(), p.getType(), FlatSymbolRefAttr::get(p.getSymNameAttr()));
      Value g = ret.getOperand(i++);
      Value zero = b.create<arith::ConstantOp>(
          p.getLoc(),
          DenseElementsAttr::get(
              p.getTensorType(),
              b.getFloatAttr(p.getTensorType().getElementType(), 0.0)));
      Value delta = b.create<SubOp>(p.getLoc(), ValueRange{zero, g},
                                    ArrayRef<NamedAttribute>{});
      updates.push_back({p.getSymName(), w, delta, p.getTensorType()});
    }
    auto next = applyOptimizer(b, module, step, (*contract)->optimizer, lr,
                               updates, /*rawUpdates=*/true);
    if (failed(next))
      return signalPassFailure();
    SmallVector<Value> results = {ret.getOperand(0)};
    llvm::append_range(results, *next);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    step.setFunctionType(b.getFunctionType(step.getArgumentTypes(),
                                           TypeRange(ValueRange(results))));
  }
};

void addNegatedPasses(OpPassManager &pm, const TrainingRuleOptions &) {
  pm.addPass(createCredoAutodiff());
  pm.addPass(std::make_unique<NegatedGradientStep>());
}

const char *kModel = R"({
  "format_version": 2, "name": "m",
  "inputs": [{"name": "x", "shape": [2, 3]}, {"name": "t", "shape": [2], "dtype": "i32"}],
  "parameters": [{"name": "w", "shape": [3, 4], "init": {"kind": "glorot_uniform", "seed": 1}}],
  "nodes": [{"name": "z", "op": "dense", "inputs": ["x", "w"]},
            {"name": "loss", "op": "softmax_cross_entropy", "inputs": ["z", "t"]}],
  "outputs": ["loss"],
  "training": {"rule": "negated_gradient", "loss": "loss",
               "optimizer": {"type": "sgd", "lr": 0.1}}
})";

TEST(TrainingRule, ARegisteredRuleBuildsTheTrainingStep) {
  registerTrainingRule({"negated_gradient",
                        "descends along a raw update Δ = −∂L/∂θ",
                        addNegatedPasses});
  std::vector<std::string> names = trainingRuleNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "backprop"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "negated_gradient"),
            names.end());

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  std::vector<std::string> errors;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    errors.push_back(d.str());
    return success();
  });
  OwningOpRef<ModuleOp> module = importGraph(kModel, "m.json", ctx);
  ASSERT_TRUE(module) << (errors.empty() ? "" : errors.front());
  auto contract = TrainingContract::read(*module);
  ASSERT_TRUE(succeeded(contract) && *contract);
  EXPECT_EQ((*contract)->rule, "negated_gradient");
  EXPECT_EQ((*contract)->loss, "loss");
  EXPECT_DOUBLE_EQ((*contract)->optimizer.lr, 0.1);

  const TrainingRule *rule = lookupTrainingRule((*contract)->rule);
  ASSERT_NE(rule, nullptr);
  PassManager pm(&ctx, ModuleOp::getOperationName());
  rule->addPasses(pm, TrainingRuleOptions{});
  ASSERT_TRUE(succeeded(pm.run(*module)))
      << (errors.empty() ? "" : errors.front());
  auto step = module->lookupSymbol<func::FuncOp>("train_step");
  ASSERT_TRUE(step);
  // θ + lr·Δ with Δ = 0 − g is SGD on g' = 0 − Δ: one sgd_update whose
  // gradient operand is that negation of Δ.
  SmallVector<SgdUpdateOp> updates;
  step.walk([&](SgdUpdateOp op) { updates.push_back(op); });
  ASSERT_EQ(updates.size(), 1u);
  auto negation = updates[0].getOperand(1).getDefiningOp<SubOp>();
  ASSERT_TRUE(negation);
  auto delta = negation.getRhs().getDefiningOp<SubOp>();
  ASSERT_TRUE(delta);
  auto grad = delta.getRhs().getDefiningOp<MatmulOp>();
  EXPECT_TRUE(grad) << "the raw update is the negated weight gradient";
  EXPECT_EQ(step.getNumResults(), 2u); // loss, new.w
}

TEST(TrainingRule, AnUnknownOptimizerIsAnErrorAtTheModule) {
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadDialect<arith::ArithDialect, func::FuncDialect, CredoDialect>();
  std::vector<std::string> errors;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    errors.push_back(d.str());
    return success();
  });
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  auto f = func::FuncOp::create(b.getUnknownLoc(), "train_step",
                                b.getFunctionType({}, {}));
  module->push_back(f);
  f.addEntryBlock();
  b.setInsertionPointToEnd(&f.getBody().front());
  Value lr = b.create<arith::ConstantOp>(
      b.getUnknownLoc(),
      DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                             b.getF32FloatAttr(0.1f)));
  OptimizerConfig rmsprop;
  rmsprop.type = "rmsprop";
  EXPECT_TRUE(failed(applyOptimizer(b, *module, f, rmsprop, lr, {})));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "unknown optimizer 'rmsprop' (supported: sgd, adam)");
}

} // namespace
