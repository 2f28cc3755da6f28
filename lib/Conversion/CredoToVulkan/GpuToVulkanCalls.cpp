//===- GpuToVulkanCalls.cpp - Kernel launches to the Vulkan executor -*- C++
//-*-===//
//
// After convert-gpu-to-spirv: each kernel's SPIR-V is serialized into a
// constant global of the host module, and the host functions call the
// runtime's Vulkan executor: launches become recorded dispatches, memory
// the host touches is synchronized first, and public functions move their
// arguments into device memory and their results back.
//
//===----------------------------------------------------------------------===//

#include "credo/Conversion/CredoToVulkan/CredoToVulkan.h"

#include "../../Transforms/NodeName.h"
#include "KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Target/SPIRV/Serialization.h"

#include <array>

namespace mlir::credo {
#define GEN_PASS_DEF_CREDOATTACHSPIRVABI
#define GEN_PASS_DEF_CREDOPRESERVEINFNAN
#define GEN_PASS_DEF_CREDOGPUTOVULKANCALLS
#define GEN_PASS_DEF_CREDOMARKVULKANRESULTS
#define GEN_PASS_DEF_CREDOVULKANALLOCATOR
#define GEN_PASS_DEF_CREDOSCALARSTOPUSHCONSTANTS
#include "credo/Conversion/CredoToVulkan/Passes.h.inc"
} // namespace mlir::credo

using namespace mlir;
using mlir::credo::vulkan::kVectorViewAttr;

namespace {

//===----------------------------------------------------------------------===//
// credo-attach-spirv-abi
//===----------------------------------------------------------------------===//

struct AttachSpirvAbi
    : public credo::impl::CredoAttachSpirvAbiBase<AttachSpirvAbi> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    using spirv::Capability;
    auto triple = spirv::VerCapExtAttr::get(
        spirv::Version::V_1_0,
        {Capability::Shader, Capability::Int64, Capability::Float64,
         Capability::SignedZeroInfNanPreserve},
        {spirv::Extension::SPV_KHR_storage_buffer_storage_class,
         spirv::Extension::SPV_KHR_float_controls},
        ctx);
    auto env = spirv::TargetEnvAttr::get(
        triple, spirv::getDefaultResourceLimits(ctx), spirv::ClientAPI::Vulkan);
    // Kernels with subgroup operations (run only where the device has
    // them): SPIR-V 1.3, which has them.
    auto subgroupTriple = spirv::VerCapExtAttr::get(
        spirv::Version::V_1_3,
        {Capability::Shader, Capability::Int64, Capability::Float64,
         Capability::SignedZeroInfNanPreserve, Capability::GroupNonUniform,
         Capability::GroupNonUniformArithmetic},
        {spirv::Extension::SPV_KHR_storage_buffer_storage_class,
         spirv::Extension::SPV_KHR_float_controls},
        ctx);
    auto subgroupEnv = spirv::TargetEnvAttr::get(
        subgroupTriple, spirv::getDefaultResourceLimits(ctx),
        spirv::ClientAPI::Vulkan);
    bool ok = true;
    getOperation().walk([&](gpu::GPUModuleOp module) {
      bool subgroup = false;
      module.walk([&](Operation *op) {
        subgroup |=
            isa<gpu::SubgroupReduceOp, gpu::SubgroupIdOp, gpu::SubgroupSizeOp>(
                op);
        // MLIR 19's SPIR-V conversion takes subgroup reductions without the
        // `uniform` marker only (which canonicalization may have added;
        // every invocation of our kernels reaches them).
        if (auto reduce = dyn_cast<gpu::SubgroupReduceOp>(op))
          reduce.setUniform(false);
      });
      module->setAttr(spirv::getTargetEnvAttrName(),
                      subgroup ? subgroupEnv : env);
      module.walk([&](gpu::GPUFuncOp func) {
        if (!func.isKernel())
          return;
        std::optional<ArrayRef<int32_t>> size = func.getKnownBlockSize();
        if (!size) {
          func.emitError("a Vulkan kernel needs a known workgroup size");
          ok = false;
          return;
        }
        func->setAttr(spirv::getEntryPointABIAttrName(),
                      spirv::getEntryPointABIAttr(ctx, *size));
      });
    });
    if (!ok)
      signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// credo-preserve-inf-nan
//===----------------------------------------------------------------------===//

struct PreserveInfNan
    : public credo::impl::CredoPreserveInfNanBase<PreserveInfNan> {
  void runOnOperation() override {
    spirv::ModuleOp module = getOperation();
    bool f64 = false;
    module.walk([&](Operation *op) {
      for (Type t : op->getResultTypes())
        f64 |= getElementTypeOrSelf(t).isF64();
    });
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    for (auto entry : llvm::to_vector(module.getOps<spirv::EntryPointOp>()))
      for (int width : {32, 64}) {
        if (width == 64 && !f64)
          continue;
        b.create<spirv::ExecutionModeOp>(
            module.getLoc(), entry.getFn(),
            spirv::ExecutionMode::SignedZeroInfNanPreserve,
            b.getI32ArrayAttr({width}));
      }
  }
};

//===----------------------------------------------------------------------===//
// credo-scalars-to-push-constants
//===----------------------------------------------------------------------===//

/// The least push-constant space a Vulkan device offers
/// (maxPushConstantsSize).
constexpr uint32_t kPushConstantBytes = 128;

struct ScalarsToPushConstants
    : public credo::impl::CredoScalarsToPushConstantsBase<
          ScalarsToPushConstants> {
  void runOnOperation() override {
    spirv::ModuleOp module = getOperation();
    // The scalar arguments: a storage buffer holding one scalar, by binding.
    SmallVector<std::pair<uint32_t, spirv::GlobalVariableOp>> scalars;
    for (auto var : module.getOps<spirv::GlobalVariableOp>()) {
      auto ptr = dyn_cast<spirv::PointerType>(var.getType());
      auto st = ptr ? dyn_cast<spirv::StructType>(ptr.getPointeeType())
                    : spirv::StructType();
      std::optional<uint32_t> binding = var.getBinding();
      if (!st || !binding ||
          ptr.getStorageClass() != spirv::StorageClass::StorageBuffer ||
          st.getNumElements() != 1 || !st.getElementType(0).isIntOrFloat())
        continue;
      scalars.push_back({*binding, var});
    }
    if (scalars.empty())
      return;
    llvm::sort(scalars, llvm::less_first());
    SmallVector<Type> members;
    SmallVector<spirv::StructType::OffsetInfo> offsets;
    uint32_t at = 0;
    for (auto [binding, var] : scalars) {
      Type t = cast<spirv::StructType>(
                   cast<spirv::PointerType>(var.getType()).getPointeeType())
                   .getElementType(0);
      uint32_t bytes = t.getIntOrFloatBitWidth() / 8;
      at = (at + bytes - 1) / bytes * bytes;
      members.push_back(t);
      offsets.push_back(at);
      at += bytes;
    }
    if (at > kPushConstantBytes)
      return; // too many: they stay in storage buffers
    auto blockPtr =
        spirv::PointerType::get(spirv::StructType::get(members, offsets),
                                spirv::StorageClass::PushConstant);
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPoint(scalars.front().second);
    auto block = b.create<spirv::GlobalVariableOp>(module.getLoc(), blockPtr,
                                                   "__credo_push_constants");
    for (auto [index, entry] : llvm::enumerate(scalars)) {
      spirv::GlobalVariableOp var = entry.second;
      Type t = members[index];
      SmallVector<spirv::AddressOfOp> uses;
      module.walk([&](spirv::AddressOfOp a) {
        if (a.getVariable() == var.getSymName())
          uses.push_back(a);
      });
      for (spirv::AddressOfOp use : uses) {
        OpBuilder u(use);
        Location loc = use.getLoc();
        Value base = u.create<spirv::AddressOfOp>(loc, block);
        Value member = u.create<spirv::ConstantOp>(
            loc, u.getI32Type(), u.getI32IntegerAttr(int32_t(index)));
        Value element =
            u.create<spirv::AccessChainOp>(loc, base, ValueRange{member});
        for (Operation *user : llvm::make_early_inc_range(use->getUsers())) {
          auto chain = dyn_cast<spirv::AccessChainOp>(user);
          if (!chain || chain.getIndices().size() != 1) {
            user->emitError("a scalar kernel argument used otherwise than "
                            "by one load of its value");
            return signalPassFailure();
          }
          for (Operation *reader :
               llvm::make_early_inc_range(chain->getUsers())) {
            auto load = dyn_cast<spirv::LoadOp>(reader);
            if (!load || load.getType() != t) {
              reader->emitError("a scalar kernel argument used otherwise "
                                "than by one load of its value");
              return signalPassFailure();
            }
            OpBuilder l(load);
            load.replaceAllUsesWith(
                l.create<spirv::LoadOp>(load.getLoc(), element).getResult());
            load.erase();
          }
          chain.erase();
        }
        use.erase();
      }
      var.erase();
    }
    module->setAttr("credo.push_constants", UnitAttr::get(&getContext()));
  }
};

//===----------------------------------------------------------------------===//
// credo-mark-vulkan-results, credo-vulkan-allocator
//===----------------------------------------------------------------------===//

struct MarkVulkanResults
    : public credo::impl::CredoMarkVulkanResultsBase<MarkVulkanResults> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](func::FuncOp f) {
      if (!f.isExternal())
        f->setAttr("credo.vk_outputs",
                   b.getI64IntegerAttr(f.getFunctionType().getNumResults()));
    });
  }
};

struct VulkanAllocator
    : public credo::impl::CredoVulkanAllocatorBase<VulkanAllocator> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto [from, to] :
         {std::pair<StringRef, StringRef>{"_mlir_memref_to_llvm_alloc",
                                          "credo_rt_vk_alloc"},
          {"_mlir_memref_to_llvm_aligned_alloc", "credo_rt_vk_aligned_alloc"},
          {"_mlir_memref_to_llvm_free", "credo_rt_vk_free"}}) {
      auto decl = module.lookupSymbol<LLVM::LLVMFuncOp>(from);
      if (!decl)
        continue;
      if (failed(SymbolTable::replaceAllSymbolUses(
              decl, StringAttr::get(module.getContext(), to), module)))
        return signalPassFailure();
      decl.setSymName(to);
    }
  }
};

//===----------------------------------------------------------------------===//
// credo-gpu-to-vulkan-calls
//===----------------------------------------------------------------------===//

/// Kinds of dispatch arguments (runtime/include/credo/kernels.h), and the
/// flag of a buffer the kernel writes.
enum ArgKind : int64_t {
  kBuffer = 0,
  kScalar32 = 1,
  kScalar64 = 2,
  kWritten = 16,
  kPush = 32
};

/// Whether a kernel stores into `buffer` (directly or through a view).
bool writes(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (auto store = dyn_cast<memref::StoreOp>(user)) {
      if (store.getMemRef() == buffer)
        return true;
    } else if (isa<memref::AtomicRMWOp, memref::GenericAtomicRMWOp>(user)) {
      return true;
    } else if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == buffer &&
          llvm::any_of(user->getResults(), writes))
        return true;
    } else if (!isa<memref::LoadOp>(user)) {
      return true; // unknown: assume it writes
    }
  }
  return false;
}

constexpr llvm::StringLiteral kSync = "credo_rt_vk_sync";
constexpr llvm::StringLiteral kSyncRange = "credo_rt_vk_sync_range";
constexpr llvm::StringLiteral kCopy = "credo_rt_vk_copy";
constexpr llvm::StringLiteral kResults = "credo_rt_vk_results";
constexpr llvm::StringLiteral kDispatch = "credo_rt_vk_dispatch";

struct KernelBinary {
  std::string words, entry; ///< the globals' names
  int64_t count = 0;        ///< 32-bit words
  bool push = false;        ///< scalars in push constants
};

int64_t elementBytes(Type t) {
  return (int64_t(t.getIntOrFloatBitWidth()) + 7) / 8;
}

/// Bytes from the aligned pointer to one past the last element a memref of
/// static shape and layout can reach, or -1.
int64_t spanBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return -1;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(type, strides, offset)) ||
      ShapedType::isDynamic(offset) ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return -1;
  if (type.getNumElements() == 0)
    return 0;
  int64_t last = offset;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides))
    last += (size - 1) * stride;
  return (last + 1) * elementBytes(type.getElementType());
}

/// The buffer under a kernel argument: credo-gpu-contract's vector views
/// are casts of a buffer to a vector element type, which only the kernel
/// sees; the host binds the buffer itself (the same bytes).
bool isVectorView(Operation *op) {
  auto cast = dyn_cast_or_null<UnrealizedConversionCastOp>(op);
  return cast && cast->hasAttr(kVectorViewAttr) &&
         cast->getNumOperands() == 1 && cast->getNumResults() == 1 &&
         isa<MemRefType>(cast->getOperand(0).getType());
}

Value bufferUnder(Value memref) {
  while (isVectorView(memref.getDefiningOp()))
    memref = memref.getDefiningOp()->getOperand(0);
  return memref;
}

Value pointerOf(OpBuilder &b, Location loc, Value memref) {
  Value index = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, memref);
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
}

Value i64(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, v, 64);
}

/// A table of i64 rows (a, b, c) on the stack, as the executor's calls take
/// their arguments and results (and read them before they return). Its
/// space is taken once, at the function's entry: taken where a call in a
/// time loop is, every step took more stack (a loop of 60,000 steps ran
/// out of it).
Value tableOf(OpBuilder &b, Location loc, ArrayRef<std::array<Value, 3>> rows) {
  Value table;
  {
    OpBuilder::InsertionGuard guard(b);
    Operation *at = b.getInsertionBlock()->getParentOp();
    auto fn = isa<func::FuncOp>(at) ? cast<func::FuncOp>(at)
                                    : at->getParentOfType<func::FuncOp>();
    b.setInsertionPointToStart(&fn.getBody().front());
    table = b.create<memref::AllocaOp>(
        loc, MemRefType::get({3 * int64_t(rows.size())}, b.getI64Type()));
  }
  for (auto [i, row] : llvm::enumerate(rows))
    for (auto [j, part] : llvm::enumerate(row))
      b.create<memref::StoreOp>(loc, part, table,
                                ValueRange{b.create<arith::ConstantIndexOp>(
                                    loc, 3 * int64_t(i) + int64_t(j))});
  return table;
}

/// Whether host operation `op` reads or writes memory that kernels may use.
bool touchesMemory(Operation *op) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    if (call.getCallee().starts_with("credo_rt_vk_"))
      return false;
    return llvm::any_of(call.getOperandTypes(),
                        [](Type t) { return isa<MemRefType>(t); });
  }
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  return llvm::any_of(list, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect()) &&
           e.getValue() && isa<MemRefType>(e.getValue().getType());
  });
}

struct GpuToVulkanCalls
    : public credo::impl::CredoGpuToVulkanCallsBase<GpuToVulkanCalls> {
  void runOnOperation() override;

private:
  LogicalResult serializeKernels();
  void declareRuntime();
  LogicalResult moveIntoDeviceMemory(func::FuncOp func);
  LogicalResult lowerLaunch(gpu::LaunchFuncOp launch);
  /// A constant C string global holding `text` (one per distinct text).
  std::string stringGlobal(StringRef text);

  llvm::StringMap<std::string> strings; ///< text → global name
  llvm::StringMap<unsigned> launchesPerNode;

  llvm::StringMap<KernelBinary> kernels; ///< by gpu.module name
};

LogicalResult GpuToVulkanCalls::serializeKernels() {
  ModuleOp module = getOperation();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  for (auto spv :
       llvm::make_early_inc_range(module.getOps<spirv::ModuleOp>())) {
    StringRef name = spv.getName().value_or("");
    if (!name.consume_front("__spv__")) {
      spv.emitError("a SPIR-V module not made by convert-gpu-to-spirv");
      return failure();
    }
    SmallVector<spirv::EntryPointOp> entries(spv.getOps<spirv::EntryPointOp>());
    if (entries.size() != 1) {
      spv.emitError("a Vulkan kernel module needs exactly one entry point");
      return failure();
    }
    SmallVector<uint32_t> words;
    if (failed(spirv::serialize(spv, words)))
      return spv.emitError("cannot serialize the kernel to SPIR-V");
    KernelBinary &k = kernels[name];
    k.count = int64_t(words.size());
    k.push = spv->hasAttr("credo.push_constants");
    k.words = ("__credo_spirv_" + name).str();
    k.entry = k.words + "_entry";
    Location loc = spv.getLoc();
    auto wordsType = MemRefType::get({k.count}, b.getI32Type());
    SmallVector<int32_t> signedWords(words.begin(), words.end());
    b.create<memref::GlobalOp>(
        loc, k.words, b.getStringAttr("private"), wordsType,
        DenseElementsAttr::get(RankedTensorType::get({k.count}, b.getI32Type()),
                               ArrayRef<int32_t>(signedWords)),
        /*constant=*/true, b.getI64IntegerAttr(16));
    StringRef fn = entries.front().getFn();
    SmallVector<int8_t> chars(fn.begin(), fn.end());
    chars.push_back(0);
    int64_t len = int64_t(chars.size());
    b.create<memref::GlobalOp>(
        loc, k.entry, b.getStringAttr("private"),
        MemRefType::get({len}, b.getI8Type()),
        DenseElementsAttr::get(RankedTensorType::get({len}, b.getI8Type()),
                               ArrayRef<int8_t>(chars)),
        /*constant=*/true, IntegerAttr());
    spv.erase();
  }
  return success();
}

void GpuToVulkanCalls::declareRuntime() {
  ModuleOp module = getOperation();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  Type i64 = b.getI64Type();
  auto declare = [&](StringRef name, SmallVector<Type> args) {
    if (module.lookupSymbol(name))
      return;
    auto f = b.create<func::FuncOp>(module.getLoc(), name,
                                    b.getFunctionType(args, {}));
    f.setPrivate();
  };
  declare(kSync, {});
  declare(kSyncRange, {i64, i64, i64});
  declare(kCopy, {i64, i64, i64});
  declare(kResults, {i64, i64});
  declare(kDispatch, SmallVector<Type>(9, i64));
}

LogicalResult GpuToVulkanCalls::moveIntoDeviceMemory(func::FuncOp func) {
  Block &entry = func.front();
  OpBuilder b(&entry, entry.begin());
  Location loc = func.getLoc();
  SmallVector<std::pair<Value, Value>> outputs; // (caller's, device copy)
  SmallVector<Value> copies;
  auto copy = [&](OpBuilder &b, Value to, Value from, int64_t bytes) {
    b.create<func::CallOp>(loc, kCopy, TypeRange(),
                           ValueRange{pointerOf(b, loc, to),
                                      pointerOf(b, loc, from),
                                      i64(b, loc, bytes)});
  };
  auto deviceCopy = [&](Value value, bool copyIn) -> FailureOr<Value> {
    auto type = cast<MemRefType>(value.getType());
    int64_t bytes = spanBytes(type);
    if (bytes < 0 || !type.getLayout().isIdentity())
      return func.emitError("the Vulkan target needs buffers of static shape "
                            "and identity layout, not ")
             << type;
    Value device =
        b.create<memref::AllocOp>(loc, type, b.getI64IntegerAttr(64));
    value.replaceAllUsesWith(device);
    if (copyIn)
      copy(b, device, value, bytes);
    copies.push_back(device);
    return device;
  };

  // Arguments: the caller's memory is not the device's.
  unsigned numArgs = func.getNumArguments();
  int64_t numOutputs = 0;
  if (auto attr = func->getAttrOfType<IntegerAttr>("credo.vk_outputs"))
    numOutputs = attr.getInt();
  // Only entry points receive the caller's memory.
  for (unsigned i = 0; i < numArgs && func.isPublic(); ++i) {
    Value arg = func.getArgument(i);
    if (!isa<MemRefType>(arg.getType()))
      continue;
    bool isOutput = int64_t(i) >= int64_t(numArgs) - numOutputs;
    FailureOr<Value> device = deviceCopy(arg, /*copyIn=*/!isOutput);
    if (failed(device))
      return failure();
    if (isOutput)
      outputs.push_back({arg, *device});
  }
  // Constants: module globals live in host memory.
  SmallVector<memref::GetGlobalOp> globals;
  func.walk([&](memref::GetGlobalOp g) {
    if (!g.getName().starts_with("__credo_spirv_"))
      globals.push_back(g);
  });
  for (memref::GetGlobalOp g : globals) {
    g->moveBefore(&entry, b.getInsertionPoint());
    Value host = g.getResult();
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : host.getUses())
      uses.push_back(&use);
    auto type = cast<MemRefType>(host.getType());
    int64_t bytes = spanBytes(type);
    if (bytes < 0 || !type.getLayout().isIdentity())
      return g.emitError("the Vulkan target needs constants of static shape");
    Value device =
        b.create<memref::AllocOp>(loc, type, b.getI64IntegerAttr(64));
    for (OpOperand *use : uses)
      use->set(device);
    copy(b, device, host, bytes);
    copies.push_back(device);
  }
  // Results back to the caller in one call (the executor fetches them
  // together and copies those whose destination is device memory on the
  // device), device memory freed.
  func.walk([&](func::ReturnOp ret) {
    OpBuilder r(ret);
    if (!outputs.empty()) {
      SmallVector<std::array<Value, 3>> rows;
      for (auto [caller, device] : outputs)
        rows.push_back(
            {pointerOf(r, loc, caller), pointerOf(r, loc, device),
             i64(r, loc, spanBytes(cast<MemRefType>(device.getType())))});
      r.create<func::CallOp>(
          loc, kResults, TypeRange(),
          ValueRange{i64(r, loc, int64_t(rows.size())),
                     pointerOf(r, loc, tableOf(r, loc, rows))});
    }
    for (Value device : copies)
      r.create<memref::DeallocOp>(loc, device);
  });
  return success();
}

std::string GpuToVulkanCalls::stringGlobal(StringRef text) {
  std::string &name = strings[text];
  if (!name.empty())
    return name;
  name = "__credo_vk_label_" + std::to_string(strings.size() - 1);
  ModuleOp module = getOperation();
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  SmallVector<int8_t> chars(text.begin(), text.end());
  chars.push_back(0);
  int64_t len = int64_t(chars.size());
  b.create<memref::GlobalOp>(
      module.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get({len}, b.getI8Type()),
      DenseElementsAttr::get(RankedTensorType::get({len}, b.getI8Type()),
                             ArrayRef<int8_t>(chars)),
      /*constant=*/true, IntegerAttr());
  return name;
}

LogicalResult GpuToVulkanCalls::lowerLaunch(gpu::LaunchFuncOp launch) {
  auto it = kernels.find(launch.getKernelModuleName().getValue());
  if (it == kernels.end())
    return launch.emitError("no SPIR-V for kernel module ")
           << launch.getKernelModuleName();
  const KernelBinary &k = it->second;
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  auto address = [&](StringRef global, MemRefType type) {
    Value g = b.create<memref::GetGlobalOp>(loc, type, global);
    return pointerOf(b, loc, g);
  };
  auto toI64 = [&](Value index) {
    return b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
  };
  Value words = address(k.words, MemRefType::get({k.count}, b.getI32Type()));
  auto entryGlobal = cast<memref::GlobalOp>(
      SymbolTable::lookupSymbolIn(getOperation(), k.entry));
  Value entry = address(k.entry, entryGlobal.getType());
  // What profiles and errors call the kernel: its function, the graph node
  // it computes for and the kernel's number among that node's.
  auto func = launch->getParentOfType<func::FuncOp>();
  // Without a node (the copies of a function's results): the JSON pointer
  // of what it serves, such as /outputs.
  std::string node = credo::nodeName(launch.getLoc()).str();
  if (node.empty())
    node = credo::jsonPointer(launch.getLoc()).str();
  std::string key = (func.getName() + " " + node).str();
  std::string label = key + " #" + std::to_string(launchesPerNode[key]++);
  std::string labelName = stringGlobal(label);
  auto labelGlobal = cast<memref::GlobalOp>(
      SymbolTable::lookupSymbolIn(getOperation(), labelName));
  Value labelAddress = address(labelName, labelGlobal.getType());

  auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
      launch, launch.getKernel());
  ValueRange operands = launch.getKernelOperands();
  int64_t n = int64_t(operands.size());
  SmallVector<std::array<Value, 3>> rows;
  for (auto [i, v] : llvm::enumerate(operands)) {
    Value kind, value, bytes;
    Type t = v.getType();
    if (auto m = dyn_cast<MemRefType>(t)) {
      Value buffer = bufferUnder(v);
      int64_t span = spanBytes(cast<MemRefType>(buffer.getType()));
      if (span < 0)
        return launch.emitError("kernel argument ")
               << i << " has no static shape and layout: " << m;
      // Which buffers the kernel writes lets the executor place barriers
      // only where one dispatch depends on another.
      bool written = !kernel || writes(kernel.getArgument(unsigned(i)));
      kind = i64(b, loc, kBuffer | (written ? kWritten : 0));
      value = pointerOf(b, loc, buffer);
      bytes = i64(b, loc, span);
    } else if (t.isIndex()) {
      // Indices are 32-bit in the kernels.
      kind = i64(b, loc, kScalar32 | (k.push ? kPush : 0));
      value = toI64(v);
      bytes = i64(b, loc, 4);
    } else if (t.isIntOrFloat() && (t.getIntOrFloatBitWidth() == 32 ||
                                    t.getIntOrFloatBitWidth() == 64)) {
      bool wide = t.getIntOrFloatBitWidth() == 64;
      Value bits = v;
      if (isa<FloatType>(t))
        bits = b.create<arith::BitcastOp>(
            loc, wide ? b.getI64Type() : b.getI32Type(), v);
      if (!wide)
        bits = b.create<arith::ExtUIOp>(loc, b.getI64Type(), bits);
      kind = i64(b, loc, (wide ? kScalar64 : kScalar32) | (k.push ? kPush : 0));
      value = bits;
      bytes = i64(b, loc, wide ? 8 : 4);
    } else {
      return launch.emitError("kernel argument ")
             << i << " of type " << t << " cannot be passed to Vulkan";
    }
    rows.push_back({kind, value, bytes});
  }
  Value tableAddress =
      n > 0 ? pointerOf(b, loc, tableOf(b, loc, rows)) : i64(b, loc, 0);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  b.create<func::CallOp>(loc, kDispatch, TypeRange(),
                         ValueRange{words, i64(b, loc, k.count), entry,
                                    labelAddress, toI64(grid.x), toI64(grid.y),
                                    toI64(grid.z), i64(b, loc, n),
                                    tableAddress});
  launch.erase();
  return success();
}

void GpuToVulkanCalls::runOnOperation() {
  ModuleOp module = getOperation();
  if (failed(serializeKernels()))
    return signalPassFailure();
  declareRuntime();
  SmallVector<func::FuncOp> hosts;
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal())
      hosts.push_back(func);
  // Host accesses wait for the dispatches recorded before them. (Before
  // the rewrites below, whose own host accesses need no wait.)
  for (func::FuncOp func : hosts) {
    SmallVector<Operation *> accesses;
    func.walk([&](Operation *op) {
      if (touchesMemory(op))
        accesses.push_back(op);
    });
    for (Operation *op : accesses) {
      // A load or store of a buffer of static layout waits only when a
      // recorded dispatch writes its bytes (or, for a store, reads them);
      // any other access waits for every recorded dispatch.
      OpBuilder b(op);
      Location loc = op->getLoc();
      Value buffer;
      int64_t write = 0;
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        buffer = load.getMemref();
      } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
        buffer = store.getMemref();
        write = 1;
      }
      int64_t bytes =
          buffer ? spanBytes(cast<MemRefType>(buffer.getType())) : -1;
      if (bytes < 0) {
        b.create<func::CallOp>(loc, kSync, TypeRange(), ValueRange());
        continue;
      }
      b.create<func::CallOp>(loc, kSyncRange, TypeRange(),
                             ValueRange{pointerOf(b, loc, buffer),
                                        i64(b, loc, bytes),
                                        i64(b, loc, write)});
    }
  }
  for (func::FuncOp func : hosts)
    if (failed(moveIntoDeviceMemory(func)))
      return signalPassFailure();
  SmallVector<gpu::LaunchFuncOp> launches;
  module.walk([&](gpu::LaunchFuncOp l) { launches.push_back(l); });
  for (gpu::LaunchFuncOp launch : launches)
    if (failed(lowerLaunch(launch)))
      return signalPassFailure();
  // The kernels' vector views, now unused.
  SmallVector<UnrealizedConversionCastOp> views;
  module.walk([&](UnrealizedConversionCastOp cast) {
    if (cast->use_empty() && isVectorView(cast))
      views.push_back(cast);
  });
  for (UnrealizedConversionCastOp cast : views)
    cast.erase();
  for (auto g : llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
    g.erase();
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  for (func::FuncOp func : hosts)
    func->removeAttr("credo.vk_outputs");
}

} // namespace
