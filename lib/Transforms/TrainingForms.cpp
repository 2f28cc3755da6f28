//===- TrainingForms.cpp - Ops whose training form differs -----*- C++ -*-===//
//
// Some ops compute something else while training than at evaluation: the
// sparse hyperlayer samples index points and spreads its values over them by
// normalised densities (so gradients reach its means and variances), but
// evaluates at its rounded means. @forward keeps the evaluation form; every
// rule calls expandTrainingForms on its copy of @forward before building
// @train_step, so the driver, libraries and backends never see the
// difference.
//
//===----------------------------------------------------------------------===//

#include "credo/Transforms/Training.h"

#include "MakeOp.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::credo;

namespace {

/// credo.sparse_hyper → hyper_params, hyper_sample, index_dedup,
/// gaussian_density, the values spread over the points, sparse_contract.
void expandSparseHyper(SparseHyperOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  auto size =
      b.getDenseI64ArrayAttr({int64_t(op.getUnits()), xType.getDimSize(1)});
  auto params = b.create<HyperParamsOp>(
      loc, ValueRange{op.getMeans(), op.getSpreads()},
      ArrayRef<NamedAttribute>{
          b.getNamedAttr("size", size),
          b.getNamedAttr("sigma_scale", op.getSigmaScaleAttr())});
  Value points =
      make<HyperSampleOp>(b, loc, {params.getMu(), op.getGenerator()},
                          {b.getNamedAttr("size", size),
                           b.getNamedAttr("global", op.getGlobalAttr()),
                           b.getNamedAttr("local", op.getLocalAttr()),
                           b.getNamedAttr("region", op.getRegionAttr()),
                           b.getNamedAttr("stream", op.getStreamAttr())});
  auto pointsType = cast<RankedTensorType>(points.getType());
  auto maskType = RankedTensorType::get(pointsType.getShape().drop_back(),
                                        xType.getElementType());
  Value mask = b.create<IndexDedupOp>(loc, maskType, points);
  Value rho = make<GaussianDensityOp>(
      b, loc, {points, params.getMu(), params.getSigma2(), mask});
  Value w =
      make<EinsumOp>(b, loc, {rho, op.getValues()},
                     {b.getNamedAttr("spec", b.getStringAttr("kp,k->kp"))});
  Value y = make<SparseContractOp>(b, loc, {points, w, op.getInput()},
                                   {b.getNamedAttr("size", op.getUnitsAttr())});
  op.replaceAllUsesWith(y);
  op.erase();
}

} // namespace

void mlir::credo::expandTrainingForms(func::FuncOp func) {
  SmallVector<SparseHyperOp> hypers;
  func.walk([&](SparseHyperOp op) { hypers.push_back(op); });
  for (SparseHyperOp op : hypers)
    expandSparseHyper(op);
}
