//===- GraphImporterTest.cpp - The JSON importer's C++ API ------*- C++ -*-===//
//
// Imports small graphs through mlir::credo::importGraph and checks the module:
// nodes listed out of order are emitted in dependency order, a value used
// twice is computed once, and errors come back as diagnostics, not crashes.
//
//===----------------------------------------------------------------------===//

#include "credo/Frontend/GraphImporter.h"
#include "credo/InitCredo.h"

#include "Credo/IR/CredoOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class GraphImporterTest : public ::testing::Test {
protected:
  GraphImporterTest() : ctx(makeRegistry()) {}
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    mlir::credo::registerAllDialects(registry);
    return registry;
  }

  OwningOpRef<ModuleOp> import(const std::string &text,
                               mlir::credo::ImportOptions options = {}) {
    errors.clear();
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      errors.push_back(diag.str());
      return success();
    });
    return mlir::credo::importGraph(text, "test.json", ctx, options);
  }

  MLIRContext ctx;
  std::vector<std::string> errors;
};

const char *kOutOfOrder = R"({
  "format_version": 1, "name": "m",
  "inputs": [{"name": "x", "shape": ["batch", 3]}],
  "nodes": [
    {"name": "c", "op": "add", "inputs": ["a", "b"]},
    {"name": "b", "op": "tanh", "inputs": ["a"]},
    {"name": "a", "op": "relu", "inputs": ["x"]}
  ],
  "outputs": ["c", "a"]
})";

TEST_F(GraphImporterTest, EmitsNodesInDependencyOrder) {
  OwningOpRef<ModuleOp> module = import(kOutOfOrder);
  ASSERT_TRUE(module) << (errors.empty() ? "" : errors.front());
  auto forward = module->lookupSymbol<func::FuncOp>("forward");
  ASSERT_TRUE(forward);
  std::vector<std::string> order;
  forward.walk([&](Operation *op) {
    if (isa<mlir::credo::CredoDialect>(op->getDialect()))
      order.push_back(op->getName().getStringRef().str());
  });
  EXPECT_EQ(order, (std::vector<std::string>{"credo.relu", "credo.tanh",
                                             "credo.add"}));
  EXPECT_EQ(forward.getNumResults(), 2u);
  EXPECT_EQ(forward.getNumArguments(), 1u);
}

TEST_F(GraphImporterTest, BatchOptionSizesTheBatchDimension) {
  mlir::credo::ImportOptions options;
  options.batchSize = 17;
  OwningOpRef<ModuleOp> module = import(kOutOfOrder, options);
  ASSERT_TRUE(module);
  auto forward = module->lookupSymbol<func::FuncOp>("forward");
  auto type = cast<RankedTensorType>(forward.getArgumentTypes()[0]);
  EXPECT_EQ(type.getShape(), (ArrayRef<int64_t>{17, 3}));
}

TEST_F(GraphImporterTest, ParameterReadOncePerUse) {
  OwningOpRef<ModuleOp> module = import(R"({
    "format_version": 1, "name": "m",
    "inputs": [{"name": "x", "shape": [2, 3]}],
    "parameters": [{"name": "w", "shape": [3, 3], "init": "ones"}],
    "nodes": [
      {"name": "h", "op": "dense", "inputs": ["x", "w"]},
      {"name": "y", "op": "dense", "inputs": ["h", "w"]}
    ],
    "outputs": ["y"]})");
  ASSERT_TRUE(module);
  int reads = 0;
  module->walk([&](mlir::credo::GetParamOp) { ++reads; });
  EXPECT_EQ(reads, 1);
}

TEST_F(GraphImporterTest, ErrorsAreDiagnosticsNotCrashes) {
  const char *inputs[] = {
      "",
      "{",
      "[]",
      "null",
      "{\"format_version\": 1}",
      "{\"format_version\": \"1\", \"name\": \"m\"}",
      "{\"format_version\": 1, \"name\": \"9lives\", \"inputs\": [], "
      "\"nodes\": [], \"outputs\": []}",
      "{\"format_version\": 1, \"name\": \"m\", \"inputs\": [], "
      "\"nodes\": [], \"outputs\": []}",
      "\xff\xfe\x00garbage"};
  for (const char *text : inputs) {
    EXPECT_FALSE(import(text)) << text;
    EXPECT_EQ(errors.size(), 1u) << text;
  }
}

} // namespace
