//===- Library.cpp - Linkable model libraries -------------------*- C++ -*-===//
//
// Builds the model's C API in the LLVM dialect (thin functions over the
// runtime's model instances and the generated forward function), writes the
// matching header, and produces the object, static and shared libraries.
// The shared library is linked by the system C compiler driver (clang-19 or
// cc, or $CREDO_CC) against libcredo_runtime.
//
//===----------------------------------------------------------------------===//

#include "credo/Target/Library.h"

#include "credo/Target/Compile.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>
#include <limits>
#include <optional>
#include <set>

using namespace mlir;
using namespace mlir::credo;

namespace {

/// The path of a system library libNAME (.so or .a) in the directories the
/// linker searches by default (/lib, /usr/lib, their multiarch
/// subdirectories, /usr/local/lib), if there is one.
std::optional<std::string> systemLibrary(const std::string &name) {
  std::vector<std::string> dirs = {"/lib", "/usr/lib", "/lib64", "/usr/lib64",
                                   "/usr/local/lib"};
  for (const char *top : {"/lib", "/usr/lib"}) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(top, ec), end; !ec && it != end;
         it.increment(ec))
      if (llvm::StringRef(it->path()).ends_with("-linux-gnu"))
        dirs.push_back(it->path());
  }
  for (const std::string &dir : dirs)
    for (const char *ext : {".so", ".a"}) {
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, "lib" + name + ext);
      if (llvm::sys::fs::exists(path))
        return std::string(path);
    }
  return std::nullopt;
}

/// Declares (once) an external runtime function.
LLVM::LLVMFuncOp declare(OpBuilder &b, ModuleOp module, StringRef name,
                         Type result, ArrayRef<Type> args) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  return b.create<LLVM::LLVMFuncOp>(module.getLoc(), name,
                                    LLVM::LLVMFunctionType::get(result, args));
}

/// credo_rt_name_failure(NAME, status): a failure's message names `name`.
Value nameFailure(OpBuilder &b, ModuleOp module, StringRef name, Value status) {
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(module.getContext());
  LLVM::LLVMFuncOp rename = declare(b, module, "credo_rt_name_failure",
                                    b.getI32Type(), {ptr, b.getI32Type()});
  Value text = LLVM::createGlobalString(loc, b, (name + "_failure_name").str(),
                                        (name + StringRef("\0", 1)).str(),
                                        LLVM::Linkage::Internal);
  return b.create<LLVM::CallOp>(loc, rename, ValueRange{text, status})
      .getResult();
}

/// Defines `name(args) -> result` as a call of `callee` with the same
/// arguments, returning its result.
void forwarder(OpBuilder &b, ModuleOp module, StringRef name, StringRef callee,
               Type result, ArrayRef<Type> args) {
  LLVM::LLVMFuncOp target = declare(b, module, callee, result, args);
  b.setInsertionPointToEnd(module.getBody());
  auto f = b.create<LLVM::LLVMFuncOp>(
      module.getLoc(), name, LLVM::LLVMFunctionType::get(result, args));
  Block *entry = f.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  auto call =
      b.create<LLVM::CallOp>(module.getLoc(), target, entry->getArguments());
  if (isa<LLVM::LLVMVoidType>(result)) {
    b.create<LLVM::ReturnOp>(module.getLoc(), ValueRange{});
    return;
  }
  // A failure's message names this function, not the runtime's.
  b.create<LLVM::ReturnOp>(module.getLoc(),
                           nameFailure(b, module, name, call.getResult()));
}

/// Writes `path` through `write` (which sets `error` when it fails). A
/// file that cannot be opened or a write the disk refuses (a full disk) is
/// an error naming `shown`; the stream's error is cleared either way, since
/// a stream destroyed with it set is a fatal error.
LogicalResult
writeChecked(const std::string &path, const std::string &shown,
             std::string &error,
             llvm::function_ref<LogicalResult(llvm::raw_fd_ostream &)> write) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + shown + "': " + ec.message();
    return failure();
  }
  LogicalResult written = write(os);
  os.close();
  if (succeeded(written) && os.has_error())
    error = "cannot write '" + shown + "': " + os.error().message();
  bool ok = succeeded(written) && !os.has_error();
  os.clear_error();
  return success(ok);
}

Value constI64(OpBuilder &b, int64_t v) {
  return b.create<LLVM::ConstantOp>(b.getUnknownLoc(), b.getI64Type(), v);
}

/// Loads argument `i` of a packed argument array.
Value loadArg(OpBuilder &b, Value argv, size_t i) {
  Location loc = argv.getLoc();
  Type ptr = argv.getType();
  Value slot = b.create<LLVM::GEPOp>(loc, ptr, ptr, argv,
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
  return b.create<LLVM::LoadOp>(loc, ptr, slot);
}

/// A pointer argument of an entry: its description for messages ("input
/// 'x'"; empty for none), its size in bytes (0: not a tensor buffer) and
/// whether the call writes it.
struct EntryArg {
  std::string what;
  int64_t bytes = 0;
  bool written = false;
  /// A flag of an environment step (done, last): 0 or 1.
  bool binary = false;
  /// A float input of a training step (its element size, 4 or 8; 0 for
  /// other arguments), checked for NaN and infinity, and its row length.
  int32_t floatBytes = 0;
  int64_t rowLength = 0;
};

/// Defines the exported entry NAME_ENTRY(args...) -> credo_status: each
/// pointer argument with a description is checked
/// (credo_rt_null_argument names it), the model must be an instance of
/// this library's model placed for its target (credo_rt_check_instance),
/// and a buffer the call writes must share no byte with the model's
/// parameters (credo_rt_check_written) or another buffer argument
/// (credo_rt_overlapping_arguments names both: the generated code reads its
/// inputs while it writes its outputs); a float argument is passed by
/// address. The arguments then go, as one array, to a guarded call
/// (credo_rt_invoke) of NAME_ENTRY_packed, whose body `body` builds from
/// that array. A training step also reserves the next parameter buffers
/// first and swaps them in after a successful call.
void guardedEntry(OpBuilder &b, ModuleOp module, const std::string &model,
                  StringRef entry, ArrayRef<Type> argTypes,
                  ArrayRef<EntryArg> what,
                  llvm::function_ref<void(OpBuilder &, Value argv)> body,
                  bool afterAct = false) {
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i32 = b.getI32Type();
  Type voidTy = LLVM::LLVMVoidType::get(ctx);
  std::string name = model + "_" + entry.str();
  // A rule's unsupervised phase (@settle_step) steps the parameters as a
  // training step does.
  bool settle = entry == "settle_step";
  bool step = entry == "train_step" || entry == "act" || settle;

  // NAME_ENTRY_packed(argv): internal.
  b.setInsertionPointToEnd(module.getBody());
  auto packed = b.create<LLVM::LLVMFuncOp>(
      loc, name + "_packed", LLVM::LLVMFunctionType::get(voidTy, {ptr}),
      LLVM::Linkage::Internal);
  b.setInsertionPointToStart(packed.addEntryBlock(b));
  body(b, packed.getArgument(0));
  b.create<LLVM::ReturnOp>(loc, ValueRange{});

  LLVM::LLVMFuncOp nullArg =
      declare(b, module, "credo_rt_null_argument", i32, {ptr, ptr});
  LLVM::LLVMFuncOp overlapping = declare(
      b, module, "credo_rt_overlapping_arguments", i32, {ptr, ptr, ptr});
  LLVM::LLVMFuncOp invoke =
      declare(b, module, "credo_rt_invoke", i32, {ptr, ptr, ptr});
  b.setInsertionPointToEnd(module.getBody());
  auto f = b.create<LLVM::LLVMFuncOp>(
      loc, name, LLVM::LLVMFunctionType::get(i32, argTypes));
  Block *block = f.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  Value entryName = LLVM::createGlobalString(loc, b, name + "_entry_name",
                                             name + std::string(1, '\0'),
                                             LLVM::Linkage::Internal);
  // Branches to a block returning `fail(...)` when `bad` holds.
  auto failIf = [&](Value bad, auto fail) {
    Block *failed = b.createBlock(&f.getBody());
    Block *next = b.createBlock(&f.getBody());
    b.setInsertionPointToEnd(block);
    b.create<LLVM::CondBrOp>(loc, bad, failed, next);
    b.setInsertionPointToStart(failed);
    b.create<LLVM::ReturnOp>(loc, fail());
    block = next;
    b.setInsertionPointToStart(block);
  };
  // The descriptions as globals, addressed where a message needs them.
  SmallVector<LLVM::GlobalOp> texts(what.size());
  for (auto [i, arg] : llvm::enumerate(what)) {
    if (arg.what.empty())
      continue;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    texts[i] = b.create<LLVM::GlobalOp>(
        loc, LLVM::LLVMArrayType::get(b.getI8Type(), arg.what.size() + 1),
        /*isConstant=*/true, LLVM::Linkage::Internal,
        name + "_arg" + std::to_string(i),
        b.getStringAttr(arg.what + std::string(1, '\0')));
  }
  auto text = [&](size_t i) -> Value {
    return b.create<LLVM::AddressOfOp>(loc, texts[i]);
  };
  for (size_t i = 0; i < what.size(); ++i) {
    if (what[i].what.empty())
      continue;
    Value isNull =
        b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, f.getArgument(i),
                               b.create<LLVM::ZeroOp>(loc, ptr));
    failIf(isNull, [&] {
      return b
          .create<LLVM::CallOp>(loc, nullArg, ValueRange{entryName, text(i)})
          .getResult();
    });
  }
  // The model: an instance of this library's model, placed (if at all) for
  // its target; and no buffer the call writes inside its parameters.
  Value model0 = f.getArgument(0);
  Value zero = b.create<LLVM::ConstantOp>(loc, i32, 0);
  {
    LLVM::LLVMFuncOp checkInstance =
        declare(b, module, "credo_rt_check_instance", i32,
                {ptr, ptr, ptr, ptr, b.getI64Type(), ptr});
    Value createName = LLVM::createGlobalString(
        loc, b, name + "_create_name", model + "_create" + std::string(1, '\0'),
        LLVM::Linkage::Internal);
    Value metadata =
        b.create<LLVM::AddressOfOp>(loc, ptr, model + "_metadata_text");
    // The hash of the library's metadata text (its global, without the
    // NUL), as credo_metadata_hash computes it: FNV-1a, 64 bits.
    auto global = module.lookupSymbol<LLVM::GlobalOp>(model + "_metadata_text");
    StringRef meta =
        cast<StringAttr>(global.getValueAttr()).getValue().drop_back();
    uint64_t hash = 14695981039346656037ull;
    for (char c : meta)
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    Value hashValue = b.create<LLVM::ConstantOp>(
        loc, b.getI64Type(), b.getI64IntegerAttr(static_cast<int64_t>(hash)));
    Value target = b.create<LLVM::AddressOfOp>(loc, ptr, model + "_target");
    Value status =
        b.create<LLVM::CallOp>(loc, checkInstance,
                               ValueRange{entryName, createName, model0,
                                          metadata, hashValue, target})
            .getResult();
    failIf(b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, status, zero),
           [&] { return status; });
  }
  Type i64 = b.getI64Type();
  {
    LLVM::LLVMFuncOp checkWritten = declare(b, module, "credo_rt_check_written",
                                            i32, {ptr, ptr, ptr, ptr, i64});
    for (size_t w = 0; w < what.size(); ++w) {
      if (!what[w].written || what[w].bytes <= 0)
        continue;
      Value status =
          b.create<LLVM::CallOp>(loc, checkWritten,
                                 ValueRange{entryName, text(w), model0,
                                            f.getArgument(w),
                                            constI64(b, what[w].bytes)})
              .getResult();
      failIf(b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, status, zero),
             [&] { return status; });
    }
  }
  auto address = [&](size_t i) -> Value {
    return b.create<LLVM::PtrToIntOp>(loc, i64, f.getArgument(i));
  };
  for (size_t w = 0; w < what.size(); ++w) {
    if (!what[w].written || what[w].bytes <= 0)
      continue;
    for (size_t o = 0; o < what.size(); ++o) {
      // Every other buffer; two written ones once.
      if (o == w || what[o].what.empty() || what[o].bytes <= 0 ||
          (what[o].written && o < w))
        continue;
      Value start = address(w), other = address(o);
      Value end = b.create<LLVM::AddOp>(loc, start, constI64(b, what[w].bytes));
      Value otherEnd =
          b.create<LLVM::AddOp>(loc, other, constI64(b, what[o].bytes));
      Value overlap = b.create<LLVM::AndOp>(
          loc,
          b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ult, start,
                                 otherEnd),
          b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ult, other, end));
      failIf(overlap, [&] {
        return b
            .create<LLVM::CallOp>(loc, overlapping,
                                  ValueRange{entryName, text(w), text(o)})
            .getResult();
      });
    }
  }
  // A training step's learning rate (its one float argument) must be in
  // (0, 1e6), as in the graph format: NaN, infinity, zero or a negative
  // rate would silently ruin the parameters.
  bool train = entry == "train_step" || settle;
  // The step's learning rate and loss share one float type.
  Type scalar = b.getF32Type();
  for (Type type : argTypes)
    if (!isa<LLVM::LLVMPointerType>(type))
      scalar = type;
  Type f64 = b.getF64Type();
  auto toF64 = [&](Value v) -> Value {
    return v.getType().isF64()
               ? v
               : b.create<LLVM::FPExtOp>(loc, f64, v).getResult();
  };
  if (train)
    for (auto [i, type] : llvm::enumerate(argTypes)) {
      if (isa<LLVM::LLVMPointerType>(type))
        continue;
      Value lr = toF64(f.getArgument(i));
      Value low = b.create<LLVM::FCmpOp>(
          loc, LLVM::FCmpPredicate::ule, lr,
          b.create<LLVM::ConstantOp>(loc, f64, b.getF64FloatAttr(0.0)));
      Value high = b.create<LLVM::FCmpOp>(
          loc, LLVM::FCmpPredicate::uge, lr,
          b.create<LLVM::ConstantOp>(loc, f64, b.getF64FloatAttr(1e6)));
      LLVM::LLVMFuncOp bad =
          declare(b, module, "credo_rt_bad_learning_rate", i32, {ptr, f64});
      failIf(b.create<LLVM::OrOp>(loc, low, high), [&] {
        return b.create<LLVM::CallOp>(loc, bad, ValueRange{entryName, lr})
            .getResult();
      });
    }
  // The flags of an environment step (done, last) are 0 or 1: a 0.5 or a 2
  // would weigh the bootstrapped value wrongly without any error.
  if (train)
    for (size_t i = 0; i < what.size(); ++i) {
      if (!what[i].binary)
        continue;
      Value flag = toF64(b.create<LLVM::LoadOp>(loc, scalar, f.getArgument(i)));
      auto is = [&](double v) {
        return b.create<LLVM::FCmpOp>(
            loc, LLVM::FCmpPredicate::oeq, flag,
            b.create<LLVM::ConstantOp>(loc, f64, b.getF64FloatAttr(v)));
      };
      Value bad = b.create<LLVM::XOrOp>(
          loc, b.create<LLVM::OrOp>(loc, is(0.0), is(1.0)),
          b.create<LLVM::ConstantOp>(loc, b.getI1Type(), 1));
      LLVM::LLVMFuncOp badFlag =
          declare(b, module, "credo_rt_bad_flag", i32, {ptr, ptr, f64});
      failIf(bad, [&] {
        return b
            .create<LLVM::CallOp>(loc, badFlag,
                                  ValueRange{entryName, text(i), flag})
            .getResult();
      });
    }
  // A training step's float inputs are finite: a NaN or an infinity can
  // make the new parameters non-finite while the loss stays finite (an
  // infinite pixel through a saturated sigmoid), which the loss's check
  // after the step would not see.
  if (train || entry == "act")
    for (size_t i = 0; i < what.size(); ++i) {
      if (!what[i].floatBytes || what[i].binary)
        continue;
      LLVM::LLVMFuncOp check = declare(
          b, module, "credo_rt_check_finite_input", i32,
          {ptr, ptr, ptr, b.getI64Type(), b.getI64Type(), b.getI32Type()});
      Value status =
          b.create<LLVM::CallOp>(
               loc, check,
               ValueRange{
                   entryName, text(i), f.getArgument(i),
                   constI64(b, what[i].bytes / what[i].floatBytes),
                   constI64(b, what[i].rowLength),
                   b.create<LLVM::ConstantOp>(loc, i32, what[i].floatBytes)})
              .getResult();
      failIf(b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, status, zero),
             [&] { return status; });
    }
  // An environment rule's training step learns from the action that the
  // last NAME_act chose: one step per act.
  LLVM::LLVMFuncOp setActed;
  if (afterAct || entry == "act")
    setActed = declare(b, module, "credo_rt_set_acted", voidTy, {ptr, i32});
  if (afterAct) {
    LLVM::LLVMFuncOp require =
        declare(b, module, "credo_rt_require_act", i32, {ptr, ptr, ptr});
    Value actName = LLVM::createGlobalString(
        loc, b, name + "_act_name", model + "_act" + std::string(1, '\0'),
        LLVM::Linkage::Internal);
    Value status = b.create<LLVM::CallOp>(
                        loc, require, ValueRange{entryName, actName, model0})
                       .getResult();
    failIf(b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, status, zero),
           [&] { return status; });
  }
  if (step) {
    LLVM::LLVMFuncOp reserve =
        declare(b, module, "credo_model_reserve_next", i32, {ptr});
    Value status =
        b.create<LLVM::CallOp>(loc, reserve, ValueRange{model0}).getResult();
    Value ok =
        b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, status, zero);
    Block *failed = b.createBlock(&f.getBody());
    b.create<LLVM::ReturnOp>(loc, status);
    Block *next = b.createBlock(&f.getBody());
    b.setInsertionPointToEnd(block);
    b.create<LLVM::CondBrOp>(loc, ok, next, failed);
    block = next;
    b.setInsertionPointToStart(block);
  }
  // The argument array; a float argument travels by its address.
  Value argv = b.create<LLVM::AllocaOp>(
      loc, ptr, ptr,
      b.create<LLVM::ConstantOp>(loc, b.getI64Type(), argTypes.size()));
  for (auto [i, type] : llvm::enumerate(argTypes)) {
    Value value = f.getArgument(i);
    if (!isa<LLVM::LLVMPointerType>(type)) {
      Value slot = b.create<LLVM::AllocaOp>(
          loc, ptr, type, b.create<LLVM::ConstantOp>(loc, b.getI64Type(), 1));
      b.create<LLVM::StoreOp>(loc, value, slot);
      value = slot;
    }
    Value at = b.create<LLVM::GEPOp>(loc, ptr, ptr, argv,
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    b.create<LLVM::StoreOp>(loc, value, at);
  }
  std::string context = "model '" + model + "': " + name;
  Value contextText = LLVM::createGlobalString(loc, b, name + "_context",
                                               context + std::string(1, '\0'),
                                               LLVM::Linkage::Internal);
  Value fn = b.create<LLVM::AddressOfOp>(loc, ptr, packed.getSymName());
  Value status =
      b.create<LLVM::CallOp>(loc, invoke, ValueRange{contextText, fn, argv})
          .getResult();
  if (step) {
    LLVM::LLVMFuncOp swap =
        declare(b, module, "credo_model_swap_params", voidTy, {ptr});
    Value ok =
        b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, status, zero);
    Block *swapBlock = b.createBlock(&f.getBody());
    if (train) {
      // A loss that is not finite (NaN or infinite inputs, diverged
      // parameters): the step's new parameters are not taken.
      Value loss = toF64(b.create<LLVM::LoadOp>(
          loc, scalar, f.getArgument(argTypes.size() - 1)));
      auto inf = b.create<LLVM::ConstantOp>(
          loc, f64, b.getF64FloatAttr(std::numeric_limits<double>::infinity()));
      auto minusInf = b.create<LLVM::ConstantOp>(
          loc, f64,
          b.getF64FloatAttr(-std::numeric_limits<double>::infinity()));
      Value finite = b.create<LLVM::AndOp>(
          loc, b.create<LLVM::FCmpOp>(loc, LLVM::FCmpPredicate::one, loss, inf),
          b.create<LLVM::FCmpOp>(loc, LLVM::FCmpPredicate::one, loss,
                                 minusInf));
      LLVM::LLVMFuncOp nonFinite = declare(b, module, "credo_rt_nonfinite_step",
                                           i32, {ptr, ptr, f64, ptr});
      // What the step writes: "the loss", or an environment rule's signal.
      Value resultName = LLVM::createGlobalString(
          loc, b, name + "_result_name",
          what.back().what + std::string(1, '\0'), LLVM::Linkage::Internal);
      Block *notFinite = b.createBlock(&f.getBody());
      b.create<LLVM::ReturnOp>(
          loc,
          b.create<LLVM::CallOp>(
               loc, nonFinite, ValueRange{entryName, resultName, loss, model0})
              .getResult());
      Block *commit = b.createBlock(&f.getBody());
      b.setInsertionPointToEnd(swapBlock);
      b.create<LLVM::CondBrOp>(loc, finite, commit, notFinite);
      b.setInsertionPointToStart(commit);
    }
    b.create<LLVM::CallOp>(loc, swap, ValueRange{model0});
    if (setActed)
      b.create<LLVM::CallOp>(
          loc, setActed,
          ValueRange{model0, b.create<LLVM::ConstantOp>(
                                 loc, i32, entry == "act" ? 1 : 0)});
    b.create<LLVM::ReturnOp>(loc, status);
    Block *done = b.createBlock(&f.getBody());
    b.create<LLVM::ReturnOp>(loc, status);
    b.setInsertionPointToEnd(block);
    b.create<LLVM::CondBrOp>(loc, ok, swapBlock, done);
  } else {
    b.create<LLVM::ReturnOp>(loc, status);
  }
}

std::string cType(const TensorInfo &t) {
  if (t.dtype == "f32")
    return "float";
  if (t.dtype == "f64")
    return "double";
  if (t.dtype == "i32")
    return "int32_t";
  return "int64_t";
}

std::string describe(const TensorInfo &t) {
  std::string s = t.dtype + "[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

} // namespace

LogicalResult mlir::credo::addLibraryApi(ModuleOp module, const ModelInfo &info,
                                         StringRef target) {
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  OpBuilder b(ctx);
  const std::string &n = info.name;
  auto forward = module.lookupSymbol<LLVM::LLVMFuncOp>("forward");
  if (!forward)
    return emitError(loc) << "the lowered module has no @forward";
  size_t numArgs =
      info.params.size() + info.inputs.size() + info.outputs.size();
  if (forward.getNumArguments() != numArgs)
    return emitError(loc) << "@forward takes " << forward.getNumArguments()
                          << " arguments, expected " << numArgs;

  auto trainStep = module.lookupSymbol<LLVM::LLVMFuncOp>("train_step");
  size_t params = info.params.size();
  size_t stepInputs = info.stepInputs.size();
  if (trainStep && trainStep.getNumArguments() != 2 * params + stepInputs + 2)
    return emitError(loc) << "@train_step takes " << trainStep.getNumArguments()
                          << " arguments, expected "
                          << 2 * params + stepInputs + 2;
  auto settle = module.lookupSymbol<LLVM::LLVMFuncOp>("settle_step");
  if (settle && (!trainStep || info.settleMetric.empty() ||
                 settle.getNumArguments() != trainStep.getNumArguments()))
    return emitError(loc) << "@settle_step takes " << settle.getNumArguments()
                          << " arguments, expected those of @train_step";
  auto act = module.lookupSymbol<LLVM::LLVMFuncOp>("act");
  if (act && act.getNumArguments() != numArgs + params)
    return emitError(loc) << "@act takes " << act.getNumArguments()
                          << " arguments, expected " << numArgs + params;

  // Everything generated so far is private to the library.
  for (auto f : module.getOps<LLVM::LLVMFuncOp>())
    if (!f.isExternal())
      f.setLinkage(LLVM::Linkage::Internal);
  for (auto g : module.getOps<LLVM::GlobalOp>())
    g.setLinkage(LLVM::Linkage::Internal);
  if (failed(SymbolTable::replaceAllSymbolUses(
          forward, b.getStringAttr(n + "_forward_impl"), module)))
    return failure();
  SymbolTable::setSymbolName(forward, n + "_forward_impl");
  for (LLVM::LLVMFuncOp fn : {trainStep, act, settle})
    if (fn) {
      std::string impl = n + "_" + fn.getSymName().str() + "_impl";
      if (failed(SymbolTable::replaceAllSymbolUses(fn, b.getStringAttr(impl),
                                                   module)))
        return failure();
      SymbolTable::setSymbolName(fn, impl);
    }

  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Type voidTy = LLVM::LLVMVoidType::get(ctx);

  // The metadata text, NUL-terminated.
  std::string meta = info.metadata();
  meta.push_back('\0');
  b.setInsertionPointToEnd(module.getBody());
  auto metaType = LLVM::LLVMArrayType::get(b.getI8Type(), meta.size());
  b.create<LLVM::GlobalOp>(loc, metaType, /*isConstant=*/true,
                           LLVM::Linkage::Internal, n + "_metadata_text",
                           b.getStringAttr(meta));
  {
    auto f = b.create<LLVM::LLVMFuncOp>(loc, n + "_metadata",
                                        LLVM::LLVMFunctionType::get(ptr, {}));
    b.setInsertionPointToStart(f.addEntryBlock(b));
    Value addr = b.create<LLVM::AddressOfOp>(loc, ptr, n + "_metadata_text");
    b.create<LLVM::ReturnOp>(loc, addr);
  }

  // NAME_create(out): credo_model_create_init(NAME_metadata(), out), then
  // credo_model_place(*out, TARGET) (the model destroyed if that fails).
  {
    LLVM::LLVMFuncOp create =
        declare(b, module, "credo_model_create_init", i32, {ptr, ptr});
    LLVM::LLVMFuncOp place =
        declare(b, module, "credo_model_place", i32, {ptr, ptr});
    LLVM::LLVMFuncOp destroy =
        declare(b, module, "credo_model_destroy", voidTy, {ptr});
    b.setInsertionPointToEnd(module.getBody());
    auto f = b.create<LLVM::LLVMFuncOp>(
        loc, n + "_create", LLVM::LLVMFunctionType::get(i32, {ptr}));
    Block *entry = f.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    Value out = entry->getArgument(0);
    Value addr = b.create<LLVM::AddressOfOp>(loc, ptr, n + "_metadata_text");
    Value status =
        b.create<LLVM::CallOp>(loc, create, ValueRange{addr, out}).getResult();
    Value zero = b.create<LLVM::ConstantOp>(loc, i32, 0);
    Block *placeBlock = b.createBlock(&f.getBody());
    Block *failed = b.createBlock(&f.getBody());
    Block *done = b.createBlock(&f.getBody(), {}, {i32}, {loc});
    b.setInsertionPointToEnd(entry);
    b.create<LLVM::CondBrOp>(
        loc, b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, status, zero),
        placeBlock, ValueRange{}, done, ValueRange{status});
    b.setInsertionPointToStart(placeBlock);
    Value model = b.create<LLVM::LoadOp>(loc, ptr, out);
    Value targetText = LLVM::createGlobalString(
        loc, b, n + "_target", (target + StringRef("\0", 1)).str(),
        LLVM::Linkage::Internal);
    Value placed =
        b.create<LLVM::CallOp>(loc, place, ValueRange{model, targetText})
            .getResult();
    b.create<LLVM::CondBrOp>(
        loc, b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, placed, zero),
        done, ValueRange{placed}, failed, ValueRange{});
    b.setInsertionPointToStart(failed);
    b.create<LLVM::CallOp>(loc, destroy, ValueRange{model});
    b.create<LLVM::StoreOp>(loc, b.create<LLVM::ZeroOp>(loc, ptr), out);
    b.create<LLVM::BrOp>(loc, ValueRange{placed}, done);
    b.setInsertionPointToStart(done);
    b.create<LLVM::ReturnOp>(
        loc, nameFailure(b, module, n + "_create", done->getArgument(0)));
  }
  forwarder(b, module, n + "_destroy", "credo_model_destroy", voidTy, {ptr});
  forwarder(b, module, n + "_load", "credo_model_load", i32, {ptr, ptr});
  forwarder(b, module, n + "_save", "credo_model_save", i32, {ptr, ptr});
  forwarder(b, module, n + "_set_param", "credo_model_set_param", i32,
            {ptr, ptr, ptr, i64});
  forwarder(b, module, n + "_get_param", "credo_model_get_param", i32,
            {ptr, ptr, ptr, i64});

  // The body of a packed entry: `fn` called with the model's parameters,
  // the entry's arguments after the model (`count` in all), and, for a
  // step, the parameters' next buffers.
  LLVM::LLVMFuncOp paramData =
      declare(b, module, "credo_model_param_buffer", ptr, {ptr, i64});
  LLVM::LLVMFuncOp nextData =
      declare(b, module, "credo_model_next_param_data", ptr, {ptr, i64});
  auto callWithParams = [&](LLVM::LLVMFuncOp fn, size_t count, bool step) {
    return [&, fn, count, step](OpBuilder &b, Value argv) {
      Value model = loadArg(b, argv, 0);
      SmallVector<Value> callArgs;
      auto buffers = [&](LLVM::LLVMFuncOp get) {
        for (size_t i = 0; i < params; ++i)
          callArgs.push_back(b.create<LLVM::CallOp>(
                                  loc, get, ValueRange{model, constI64(b, i)})
                                 .getResult());
      };
      buffers(paramData);
      for (size_t i = 1; i < count; ++i)
        callArgs.push_back(loadArg(b, argv, i));
      if (step)
        buffers(nextData);
      b.create<LLVM::CallOp>(loc, fn, callArgs);
    };
  };

  // NAME_forward(model, inputs..., outputs...): every pointer checked, then
  // the generated code as a guarded call (credo_rt_invoke) of a packed
  // wrapper that takes the parameters from the model.
  auto bytes = [](const TensorInfo &t) {
    return t.numElements() * static_cast<int64_t>(t.elementSize());
  };
  SmallVector<EntryArg> forwardArgs = {{"the model"}};
  for (const TensorInfo &t : info.inputs)
    forwardArgs.push_back({"input '" + t.name + "'", bytes(t), false});
  for (const TensorInfo &t : info.outputs)
    forwardArgs.push_back({"output '" + t.name + "'", bytes(t), true});
  SmallVector<Type> forwardTypes(forwardArgs.size(), ptr);
  guardedEntry(b, module, n, "forward", forwardTypes, forwardArgs,
               callWithParams(forward, forwardArgs.size(), false));
  // NAME_train_step(model, inputs..., lr, loss): one compiled step writing
  // the next parameter buffers, which become current if it succeeded.
  if (trainStep) {
    SmallVector<EntryArg> stepArgs = {{"the model"}};
    for (const TensorInfo &t : info.stepInputs) {
      EntryArg arg{"input '" + t.name + "'", bytes(t), false,
                   info.act && (t.name == "done" || t.name == "last")};
      if (t.dtype == "f32" || t.dtype == "f64") {
        arg.floatBytes = int32_t(t.elementSize());
        arg.rowLength = t.shape.empty() || t.shape[0] == 0
                            ? 0
                            : t.numElements() / t.shape[0];
      }
      stepArgs.push_back(arg);
    }
    stepArgs.push_back({}); // lr, a float: the wrapper passes its address
    stepArgs.push_back({info.act ? "the signal" : "the loss",
                        info.stepScalar == "f64" ? 8 : 4, /*written=*/true});
    SmallVector<Type> types(stepArgs.size(), ptr);
    types[1 + stepInputs] =
        info.stepScalar == "f64" ? Type(b.getF64Type()) : b.getF32Type();
    guardedEntry(b, module, n, "train_step", types, stepArgs,
                 callWithParams(trainStep, stepArgs.size(), true),
                 /*afterAct=*/static_cast<bool>(act));
    // NAME_settle_step(model, inputs..., lr, metric): a step of the rule's
    // unsupervised phase, with the training step's arguments.
    if (settle) {
      SmallVector<EntryArg> settleArgs(stepArgs);
      settleArgs.back().what = "the " + info.settleMetric;
      guardedEntry(b, module, n, "settle_step", types, settleArgs,
                   callWithParams(settle, settleArgs.size(), true));
    }
    // NAME_act(model, inputs..., outputs...): the outputs of one
    // environment step, the rule's state (samples, traces) updated.
    if (act) {
      // An act's float inputs are checked as a training step's are: they
      // update the rule's state (traces, held outputs).
      SmallVector<EntryArg> actArgs(forwardArgs);
      for (auto [i, t] : llvm::enumerate(info.inputs))
        if (t.dtype == "f32" || t.dtype == "f64") {
          actArgs[1 + i].floatBytes = int32_t(t.elementSize());
          actArgs[1 + i].rowLength = t.shape.empty() || t.shape[0] == 0
                                         ? 0
                                         : t.numElements() / t.shape[0];
        }
      guardedEntry(b, module, n, "act", forwardTypes, actArgs,
                   callWithParams(act, actArgs.size(), true));
    }
    // NAME_eval_step: the forward pass on a batch, for metrics, with its
    // own checks (their messages name NAME_eval_step).
    guardedEntry(b, module, n, "eval_step", forwardTypes, forwardArgs,
                 callWithParams(forward, forwardArgs.size(), false));
  }
  return success();
}

namespace {

/// Whether `id`, as a parameter's name in a prototype of the header, would
/// not compile or would change what the prototype means: a keyword of C or
/// C++, or a type or macro of the headers it includes (stdint.h, stddef.h;
/// credo/runtime.h's names start with credo_ or CREDO_, which argName
/// prefixes).
bool clashesInHeader(llvm::StringRef id) {
  static const std::set<std::string> kReserved = {
      // C (to C23)
      "auto", "break", "case", "char", "const", "continue", "default", "do",
      "double", "else", "enum", "extern", "float", "for", "goto", "if",
      "inline", "int", "long", "register", "restrict", "return", "short",
      "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
      "unsigned", "void", "volatile", "while", "alignas", "alignof", "bool",
      "constexpr", "false", "nullptr", "static_assert", "thread_local", "true",
      "typeof", "typeof_unqual",
      // C++
      "and", "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t",
      "char32_t", "class", "compl", "concept", "consteval", "constinit",
      "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete",
      "dynamic_cast", "explicit", "export", "friend", "mutable", "namespace",
      "new", "noexcept", "not", "not_eq", "operator", "or", "or_eq", "private",
      "protected", "public", "reinterpret_cast", "requires", "static_cast",
      "template", "this", "throw", "try", "typeid", "typename", "using",
      "virtual", "wchar_t", "xor", "xor_eq",
      // stddef.h, stdint.h
      "NULL", "offsetof", "size_t", "ptrdiff_t", "max_align_t", "nullptr_t",
      "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "INTMAX_C", "UINTMAX_C",
      "SIZE_MAX", "PTRDIFF_MIN", "PTRDIFF_MAX", "SIG_ATOMIC_MIN",
      "SIG_ATOMIC_MAX", "WCHAR_MIN", "WCHAR_MAX", "WINT_MIN", "WINT_MAX"};
  if (kReserved.count(id.str()))
    return true;
  // [u]int{,_least,_fast}N_t and their INTn_MAX-style macros.
  llvm::StringRef rest = id;
  rest.consume_front("u") || rest.consume_front("U");
  bool upper = rest.starts_with("INT");
  if (!rest.consume_front("int") && !rest.consume_front("INT"))
    return false;
  rest.consume_front(upper ? "_LEAST" : "_least") ||
      rest.consume_front(upper ? "_FAST" : "_fast");
  if (!rest.consume_front("8") && !rest.consume_front("16") &&
      !rest.consume_front("32") && !rest.consume_front("64") &&
      !rest.consume_front(upper ? "PTR" : "ptr") &&
      !rest.consume_front(upper ? "MAX" : "max"))
    return false;
  return upper ? rest == "_MIN" || rest == "_MAX" || rest == "_C"
               : rest == "_t";
}

/// `id` as a parameter's name in a prototype: prefixed with "arg_" where it
/// starts like a name of the runtime (credo_, CREDO_) or one reserved to
/// the implementation (_), then with '_' appended while it clashes
/// (clashesInHeader) or is in `used`, which it joins.
std::string argName(std::string id, std::set<std::string> &used) {
  if (llvm::StringRef(id).starts_with_insensitive("credo_") ||
      llvm::StringRef(id).starts_with("_"))
    id = "arg_" + id;
  while (clashesInHeader(id) || used.count(id))
    id += '_';
  used.insert(id);
  return id;
}

} // namespace

std::string mlir::credo::generateHeader(const ModelInfo &info) {
  const std::string &n = info.name;
  std::string guard;
  for (char c : n)
    guard += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  guard += "_CREDO_H";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* " << n << ".h - C API of the Credo model '" << n
     << "'.\n * Generated by credoc; do not edit. Link with lib" << n
     << ".so (or lib" << n << ".a)\n * and libcredo_runtime. Every function "
     << "but destroy and metadata returns a\n * credo_status (0 = CREDO_OK); "
        "on failure credo_last_error() says why. */\n\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <credo/runtime.h>\n#include <stddef.h>\n#include "
        "<stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* A model instance: owns the parameters. Query names, dtypes and\n"
        " * shapes at run time with credo_model_info(). Threads may share an\n"
        " * instance for calls that read it (forward, eval_step, save,\n"
        " * get_param); a call that changes it (a training step, act, load,\n"
        " * set_param) must not run beside another call on it. */\n"
     << "typedef struct credo_model " << n << "_model;\n\n";
  os << "enum {\n  " << n << "_NUM_PARAMS = " << info.params.size() << ",\n  "
     << n << "_NUM_INPUTS = " << info.inputs.size() << ",\n  " << n
     << "_NUM_OUTPUTS = " << info.outputs.size() << "\n};\n\n";
  // An output may repeat the name of an input or a parameter (a model can
  // return them); its C argument and shape constant then say "out".
  std::set<std::string> taken;
  for (const auto *list : {&info.params, &info.inputs})
    for (const TensorInfo &t : *list)
      taken.insert(t.name);
  // Names become C identifiers: a graph's "loop.h.all" or "a.log_prob"
  // is written with '_' for each other character.
  auto ident = [](const std::string &name) {
    std::string id = name;
    for (char &c : id)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
        c = '_';
    return id;
  };
  auto outputName = [&](const TensorInfo &t) {
    return ident(taken.count(t.name) ? "out_" + t.name : t.name);
  };
  // An input may share its name with a parameter the rule adds (an input
  // "w1_trace" beside the coagent rule's trace of w1): its shape constant
  // then says "in".
  std::set<std::string> paramIdents;
  for (const TensorInfo &t : info.params)
    paramIdents.insert(ident(t.name));
  auto shapeName = [&](const TensorInfo &t, bool input, bool output) {
    if (output)
      return outputName(t);
    std::string id = ident(t.name);
    return input && paramIdents.count(id) ? "in_" + id : id;
  };
  auto shapes = [&](const std::vector<TensorInfo> &list, const char *what) {
    bool outputs = &list == &info.outputs, inputs = &list == &info.inputs;
    for (const TensorInfo &t : list) {
      os << "/* " << what << " '" << t.name << "': " << describe(t);
      if (!t.init.empty())
        os << ", initialized by " << t.init;
      os << " */\n";
      if (!t.shape.empty()) {
        os << "static const int64_t " << n << "_"
           << shapeName(t, inputs, outputs) << "_shape[" << t.shape.size()
           << "] = {";
        for (size_t i = 0; i < t.shape.size(); ++i)
          os << (i ? ", " : "") << t.shape[i];
        os << "};\n";
      }
    }
  };
  shapes(info.params, "parameter");
  shapes(info.inputs, "input");
  shapes(info.outputs, "output");
  // A prototype's parameters after `model`: the inputs (const), the outputs
  // and `tail` (a step's learning rate and loss, under their documented
  // names), each named by argName: no keyword, no type or macro of the
  // included headers, no other parameter's name.
  auto prototype =
      [&](const std::string &fn, const std::vector<TensorInfo> &inputs,
          const std::vector<TensorInfo> *outputs,
          llvm::ArrayRef<std::pair<std::string, std::string>> tail) {
        std::set<std::string> used = {"model", n + "_model"};
        for (const auto &[type, name] : tail)
          used.insert(name);
        os << "credo_status " << n << "_" << fn << "(" << n << "_model *model";
        for (const TensorInfo &t : inputs)
          os << ",\n    const " << cType(t) << " *"
             << argName(ident(t.name), used);
        if (outputs)
          for (const TensorInfo &t : *outputs)
            os << ",\n    " << cType(t) << " *" << argName(outputName(t), used);
        for (auto [i, arg] : llvm::enumerate(tail))
          os << (i ? ", " : ",\n    ") << arg.first
             << (arg.first.back() == '*' ? "" : " ") << arg.second;
        os << ");\n\n";
      };
  os << "\n/* Creates an instance whose parameters come from their "
        "initializers. */\n"
     << "credo_status " << n << "_create(" << n << "_model **out);\n"
     << "void " << n << "_destroy(" << n << "_model *model);\n\n"
     << "/* Runs the model on caller-provided, row-major buffers. On an\n"
        " * error the outputs hold no result (they may be partly written). "
        "*/\n";
  prototype("forward", info.inputs, &info.outputs, {});
  os << "/* Parameters as safetensors files (saved atomically, checksummed). "
        "*/\n"
     << "credo_status " << n << "_load(" << n
     << "_model *model, const char *path);\n"
     << "credo_status " << n << "_save(const " << n
     << "_model *model, const char *path);\n\n"
     << "/* Copies a parameter in or out; nbytes must equal its size. */\n"
     << "credo_status " << n << "_set_param(" << n
     << "_model *model, const char *name,\n    const void *data, size_t "
        "nbytes);\n"
     << "credo_status " << n << "_get_param(const " << n
     << "_model *model, const char *name,\n    void *data, size_t nbytes);\n\n";
  const char *scalar = info.stepScalar == "f64" ? "double" : "float";
  if (info.trainStep && info.act) {
    os << "/* One environment step: the outputs (the action first) for the\n"
          " * observation, sampled with the model's generator; updates the\n"
          " * rule's state (held outputs, traces, the generator). ("
       << n
       << "_forward\n * samples with the generator as it is: calls "
          "with one input draw the\n * same numbers until a step advances "
          "it.) */\n";
    prototype("act", info.inputs, &info.outputs, {});
    os << "/* Learns from the environment's answer to the last action (call\n"
          " * it once after each act: a call with no act since the model was\n"
          " * created or last trained fails, the parameters unchanged):\n"
          " * reward, done (1 if the episode reached a terminal state, else\n"
          " * 0), last (1 if the episode ends here, terminal or cut off,\n"
          " * else 0)";
    if (info.stepInputs.size() > 3)
      os << " and\n * the next observation";
    os << "; updates\n * the parameters with learning rate `lr` (in (0, 1e6)) "
          "and writes the\n * signal the rule learned from (the TD error or "
          "the reward). A\n * signal that is not finite fails the call with "
          "CREDO_ERR_INVALID_ARGUMENT\n * and keeps the parameters. */\n";
    prototype("train_step", info.stepInputs, nullptr,
              {{scalar, "lr"}, {scalar + std::string(" *"), "signal"}});
  } else if (info.trainStep) {
    os << "/* One training step on a batch (the model's optimizer, learning\n"
          " * rate `lr`, in (0, 1e6)): updates the parameters and optimizer\n"
          " * state, and writes the batch's loss. A NaN or an infinity in a\n"
          " * float input, or a loss that is not finite (parameters that\n"
          " * diverged), fails the call with CREDO_ERR_INVALID_ARGUMENT and\n"
          " * keeps the parameters; *loss then holds that loss. Any failure\n"
          " * keeps the parameters. Evaluate with "
       << n << "_forward. */\n";
    prototype("train_step", info.stepInputs, nullptr,
              {{scalar, "lr"}, {scalar + std::string(" *"), "loss"}});
    if (!info.settleMetric.empty()) {
      os << "/* One step of the rule's unsupervised phase on a batch (what\n"
            " * credoc train runs for settle_epochs before training: no\n"
            " * target, the rule's own weights learn), with the arguments of\n"
            " * "
         << n << "_train_step; writes the phase's metric (" << info.settleMetric
         << "). Fails and keeps the\n * parameters as " << n
         << "_train_step does. */\n";
      const std::string &metric = info.settleMetric;
      std::set<std::string> fixed = {"model", "lr"};
      std::string metricArg =
          argName(ident(taken.count(metric) ? "out_" + metric : metric), fixed);
      prototype("settle_step", info.stepInputs, nullptr,
                {{scalar, "lr"}, {scalar + std::string(" *"), metricArg}});
    }
    os << "/* Evaluates a batch: the same as " << n << "_forward. */\n";
    prototype("eval_step", info.inputs, &info.outputs, {});
  }
  os << "/* The metadata text that describes this model to the runtime. */\n"
     << "const char *" << n << "_metadata(void);\n\n"
     << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* "
     << guard << " */\n";
  return s;
}

LogicalResult mlir::credo::writeLibrary(ModuleOp module, const ModelInfo &info,
                                        StringRef outDir,
                                        StringRef runtimeLibDir,
                                        LibraryPaths &paths,
                                        std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir)) {
    error = "cannot create '" + outDir.str() + "': " + ec.message();
    return failure();
  }
  auto in = [&](const std::string &file) {
    llvm::SmallString<256> p(outDir);
    llvm::sys::path::append(p, file);
    return std::string(p);
  };
  paths.header = in(info.name + ".h");
  // The object file is an intermediate: in the output folder under a
  // temporary name, removed once both libraries hold it.
  const std::string object = in("." + info.name + ".o.tmp");
  // Temporary files go also when Ctrl-C stops the build.
  struct RemoveObject {
    std::string path;
    explicit RemoveObject(std::string p) : path(std::move(p)) {
      llvm::sys::RemoveFileOnSignal(path);
    }
    ~RemoveObject() {
      llvm::sys::fs::remove(path);
      llvm::sys::DontRemoveFileOnSignal(path);
    }
  } removeObject{object};
  paths.staticLibrary = in("lib" + info.name + ".a");
  paths.sharedLibrary = in("lib" + info.name + ".so");
  // The three files are written under temporary names and renamed into
  // place only once all of them are complete: a failed build leaves the
  // folder as it was, never a header and a library of different builds.
  struct Staged {
    std::vector<std::pair<std::string, std::string>> files; // (tmp, final)
    bool committed = false;
    std::string add(const std::string &final) {
      llvm::SmallString<256> tmp = llvm::sys::path::parent_path(final);
      llvm::sys::path::append(
          tmp, "." + llvm::sys::path::filename(final).str() + ".tmp");
      files.emplace_back(std::string(tmp), final);
      llvm::sys::RemoveFileOnSignal(tmp);
      return std::string(tmp);
    }
    ~Staged() {
      for (auto &[tmp, final] : files) {
        if (!committed)
          llvm::sys::fs::remove(tmp);
        llvm::sys::DontRemoveFileOnSignal(tmp);
      }
    }
  } staged;
  const std::string header = staged.add(paths.header);
  const std::string staticLibrary = staged.add(paths.staticLibrary);
  const std::string sharedLibrary = staged.add(paths.sharedLibrary);
  // libNAME beside a program would stand in for the system's library of
  // that name (a model "m": `-L DIR -lm` links libm.so of the model, and
  // sqrt is undefined).
  if (std::optional<std::string> system = systemLibrary(info.name)) {
    error = "the library of model '" + info.name + "' would be lib" +
            info.name + ", the name of the system's " + *system +
            ": a program linked with -L to it and -l" + info.name +
            " would get the model's instead; rename the model (its "
            "\"name\")";
    return failure();
  }
  // A function the process already has (the C library's timer_create for a
  // model named "timer") would be defined twice in a program, and calls
  // meant for one would reach the other.
  for (auto f : module.getOps<LLVM::LLVMFuncOp>()) {
    if (f.isExternal() || f.getLinkage() != LLVM::Linkage::External)
      continue;
    std::string symbol = f.getSymName().str();
    if (void *known = ::dlsym(RTLD_DEFAULT, symbol.c_str())) {
      Dl_info where{};
      std::string library =
          ::dladdr(known, &where) && where.dli_fname
              ? "'" + llvm::sys::path::filename(where.dli_fname).str() + "'"
              : "a library credoc uses";
      error = "the library of model '" + info.name + "' would define " +
              symbol + ", which " + library +
              " already defines: a program would call the wrong one; "
              "rename the model (its \"name\")";
      return failure();
    }
  }
  std::string rtDir = runtimeLibDir.str();
  {
    llvm::SmallString<256> runtime(rtDir);
    llvm::sys::path::append(runtime, "libcredo_runtime.so");
    if (!llvm::sys::fs::exists(runtime)) {
      error = "the runtime library is not in '" + rtDir +
              "' (no libcredo_runtime.so there to link against)";
      return failure();
    }
  }

  if (failed(writeChecked(header, paths.header, error,
                          [&](llvm::raw_fd_ostream &os) {
                            os << generateHeader(info);
                            return success();
                          })))
    return failure();

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateToLLVMIR(module, llvmContext);
  if (!llvmModule) {
    error = "cannot translate the model to LLVM IR";
    return failure();
  }
  if (failed(writeChecked(object, object, error, [&](llvm::raw_fd_ostream &os) {
        return emitNativeCode(*llvmModule, FileKind::Object, os, error);
      })))
    return failure();

  auto member = llvm::NewArchiveMember::getFile(object, true);
  if (!member) {
    error = llvm::toString(member.takeError());
    return failure();
  }
  std::string memberName = info.name + ".o";
  member->MemberName = memberName;
  std::vector<llvm::NewArchiveMember> members;
  members.push_back(std::move(*member));
  // Built in memory and written here: llvm::writeArchive's own stream
  // makes a full disk a fatal error.
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> archive =
      llvm::writeArchiveToBuffer(members, llvm::SymtabWritingMode::NormalSymtab,
                                 llvm::object::Archive::K_GNU,
                                 /*Deterministic=*/true, /*Thin=*/false);
  if (!archive) {
    error = "cannot write '" + paths.staticLibrary +
            "': " + llvm::toString(archive.takeError());
    return failure();
  }
  if (failed(writeChecked(staticLibrary, paths.staticLibrary, error,
                          [&](llvm::raw_fd_ostream &os) {
                            os << (*archive)->getBuffer();
                            return success();
                          })))
    return failure();

  // Link the shared library with the system compiler driver.
  std::string driver;
  if (const char *cc = std::getenv("CREDO_CC"))
    driver = cc;
  for (const char *name : {"clang-19", "clang", "cc"}) {
    if (!driver.empty())
      break;
    if (auto found = llvm::sys::findProgramByName(name))
      driver = *found;
  }
  if (driver.empty()) {
    error = "no C compiler driver (clang-19, clang or cc) found to link "
            "the shared library; set CREDO_CC";
    return failure();
  }
  // No absolute RUNPATH into this machine's folders: the library finds
  // libcredo_runtime next to itself ($ORIGIN), through the program's own
  // RUNPATH or the system's search path.
  // A SONAME, so that a program linked with the library's path records
  // only its name and finds it through its RUNPATH from any directory.
  std::vector<std::string> args = {
      driver,
      "-shared",
      "-Wl,-soname," + llvm::sys::path::filename(paths.sharedLibrary).str(),
      "-o",
      sharedLibrary,
      object,
      "-L" + rtDir,
      "-Wl,-rpath,$ORIGIN",
      "-lcredo_runtime",
      "-lm"};
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = "linking '" + paths.sharedLibrary + "' with " + driver + " failed" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  // The linker can report success for a library it could not write whole
  // (a full disk cut it short): read it back before it replaces the old one.
  if (!llvm::sys::fs::exists(sharedLibrary)) {
    error = "linking '" + paths.sharedLibrary + "' with " + driver +
            " reported success but wrote no library";
    return failure();
  }
  if (llvm::Expected<llvm::object::OwningBinary<llvm::object::ObjectFile>>
          linked = llvm::object::ObjectFile::createObjectFile(sharedLibrary);
      !linked) {
    error = "linking '" + paths.sharedLibrary + "' with " + driver +
            " left an incomplete library (" +
            llvm::toString(linked.takeError()) +
            "); is the disk full? The old files are kept";
    return failure();
  }
  // What a rename cannot replace, before the first one.
  for (auto &[tmp, final] : staged.files)
    if (llvm::sys::fs::is_directory(final)) {
      error = "cannot replace '" + final + "': it is a directory";
      return failure();
    }
  // Each old file stays reachable under a second name (a hard link) until
  // all three are replaced: when a rename fails part-way, the files renamed
  // before it are put back, and the folder never holds two builds.
  struct Previous {
    std::vector<std::string> links; // per staged file: its old one, or ""
    ~Previous() {
      for (const std::string &link : links)
        if (!link.empty())
          llvm::sys::fs::remove(link);
    }
  } previous;
  for (auto &[tmp, final] : staged.files) {
    std::string link;
    if (llvm::sys::fs::exists(final)) {
      link = tmp + ".old";
      llvm::sys::fs::remove(link);
      if (std::error_code ec = llvm::sys::fs::create_hard_link(final, link)) {
        error = "cannot replace '" + final + "': " + ec.message();
        return failure();
      }
    }
    previous.links.push_back(link);
  }
  for (size_t i = 0; i < staged.files.size(); ++i) {
    const auto &[tmp, final] = staged.files[i];
    if (std::error_code ec = llvm::sys::fs::rename(tmp, final)) {
      error = "cannot replace '" + final + "': " + ec.message();
      for (size_t j = 0; j < i; ++j) {
        const std::string &done = staged.files[j].second;
        if (previous.links[j].empty())
          llvm::sys::fs::remove(done);
        else if (!llvm::sys::fs::rename(previous.links[j], done))
          previous.links[j].clear();
      }
      return failure();
    }
  }
  staged.committed = true;
  return success();
}
