//===- Common.h - What credoc's commands share ------------------*- C++ -*-===//
//
// Exit codes, error reporting, the MLIR context every command works in, the
// model loader with its input checks, and owners of runtime objects.
// Internal to lib/Driver.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_DRIVER_COMMON_H
#define CREDO_LIB_DRIVER_COMMON_H

#include "credo/Driver/Driver.h"
#include "credo/Frontend/GraphImporter.h"
#include "credo/Target/Compile.h"
#include "credo/Target/ModelInfo.h"
#include "credo/Target/Target.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/Twine.h"

#include <csignal>
#include <memory>
#include <optional>
#include <vector>

namespace mlir::credo::driver {

constexpr int kOk = 0, kUserError = 1;

/// The signal that asked a training run to stop after the step under way:
/// SIGINT (Ctrl-C) or SIGTERM (timeout, a batch scheduler, docker stop); 0
/// while none came.
extern volatile std::sig_atomic_t stopSignal;

/// While alive, SIGINT and SIGTERM call `handler` (by default: record the
/// signal in stopSignal); the handlers before are put back at the end.
class StopSignals {
public:
  explicit StopSignals(void (*handler)(int) = nullptr);
  ~StopSignals();
  StopSignals(const StopSignals &) = delete;
  StopSignals &operator=(const StopSignals &) = delete;
  /// From now on the signals call `handler` (null: record the signal).
  void handle(void (*handler)(int));

private:
  void (*previousInt)(int), (*previousTerm)(int);
};

/// A handler for Ctrl-C and SIGTERM before a run's first step: it prints
/// "credoc: interrupted while WHAT; nothing was trained or saved" (on a line
/// of its own after a terminal's ^C) and exits with 128 + the signal.
/// `what` must live as long as the handler is installed.
void (*interruptBeforeTraining(const char *what))(int);

/// The exit status after stopSignal stopped a run: 128 + its number (130
/// for Ctrl-C, 143 for SIGTERM), as a shell reports a process it killed.
int stopStatus();

/// "interrupted" (Ctrl-C) or "terminated (SIGTERM)": what stopped the run.
const char *stopWord();

/// Prints "credoc: error: MESSAGE" and returns kUserError.
int error(const llvm::Twine &message);

/// Warns, once a command (it may load and build a model more than once),
/// that --time-memory has no effect, and why.
void warnTimeMemoryIdle(const llvm::Twine &why);

/// error() with the runtime's message for the failed call appended.
int runtimeError(const llvm::Twine &context);

/// A context with every dialect Credo uses and Credo's diagnostic printer.
struct Session {
  Session();
  MLIRContext context;
  std::shared_ptr<void> printer;
};

/// Reads and imports opts.model ("-" is stdin); reports what went wrong
/// (missing, a directory, too large, unreadable, invalid) and returns null.
/// Adds the passes that build @gradients (backprop's reverse sweep) as the
/// options ask.
void addGradientPasses(OpPassManager &pm, const DriverOptions &opts);

/// Adds the passes of the module's learning rule, which build @train_step;
/// an error (returned as kUserError) if the module has no training section.
int addTrainingPasses(OpPassManager &pm, ModuleOp module,
                      const DriverOptions &opts);

/// The target `--target` names; reports an error listing the known ones and
/// returns null if there is none of that name.
const Target *selectTarget(const DriverOptions &opts);

/// Imports opts.model; reports errors and returns null. With `source`, also
/// gives the hashes of the file's graph and training section.
OwningOpRef<ModuleOp> loadModel(const DriverOptions &opts, MLIRContext &context,
                                GraphFingerprints *source = nullptr);

/// Loads opts.model into `module` and reads its training section into
/// `config`, with --seed applied; reports an error (returned as
/// kUserError) if either fails or the model has no training section.
int loadTrainingModel(const DriverOptions &opts, MLIRContext &context,
                      OwningOpRef<ModuleOp> &module, TrainingContract &config,
                      GraphFingerprints *source = nullptr);

/// Lowers `module` through the CPU pipeline (opts.kernels) and JIT-compiles
/// it; reports a failure and returns null.
std::unique_ptr<JitModule> compileForJit(ModuleOp module,
                                         const DriverOptions &opts);

/// Initializes `model`'s parameters, then replaces those that the
/// safetensors file `path` (if not empty) has; parameters it lacks (a
/// rule's feedback matrices, optimizer or rule state) keep their initial
/// values; any other parameter missing is an error, as are a tensor the
/// model does not have, one of another dtype or shape, and a checksum
/// mismatch, each naming the file. A file from a run with another rule
/// than `rule` (its credo.rule metadata) gives the model's parameters only:
/// its rule and optimizer state belong to that rule (a note says so).
int initAndOverlayParams(credo_model *model, const ModelInfo &info,
                         const std::string &path, const std::string &rule = "");

/// Why `path` cannot be written when a run gets there (as the runtime
/// writes: a symbolic link's target, a new file beside it renamed over
/// it): an existing file must be writable and not a directory, a new one's
/// directory must exist and take a new file. Nothing if it can.
std::optional<std::string> whyNotWritable(const std::string &path);

/// Checks before a long run that `path` (given as `flag`; nothing if
/// empty) can be written (whyNotWritable); reports why not and returns
/// kUserError.
int checkWritable(const std::string &path, const char *flag);

/// checkWritable for what a training run writes after its first epoch or
/// at its end (--plot, --checkpoint), before the run starts.
int checkRunOutputs(const DriverOptions &opts);

/// Refuses --plot, --checkpoint or --metrics naming the model file or one
/// of `inputs` (the data files the run reads): writing it would destroy it.
int checkOutputsSpareInputs(const DriverOptions &opts,
                            const std::vector<std::string> &inputs);

/// What `path` is among the files the command reads (the model, --params
/// or an --input: "the model file", "input 'x'"), if it is one of them.
std::optional<std::string> fileReadAt(const DriverOptions &opts,
                                      llvm::StringRef path);

/// Refuses an output `path` (described as `what`, e.g. "-o") that is a
/// file the command reads: the model, --params or an --input.
int checkSparesReads(const DriverOptions &opts, const std::string &path,
                     const std::string &what);

/// `v` printed with `format` (one printf conversion of a double); NaN and
/// infinities as "NaN", "inf" and "-inf" whatever their sign bits.
std::string formatNumber(double v, const char *format);

/// Whether products with spikes skip zeros on this target (the CPU's
/// oneDNN path, with its event-driven kernels), so that splitting spikes
/// into majority and residual (credo-spike-majority) pays.
bool spikeMajority(const DriverOptions &opts);

/// Writes a --plot picture as checkpoints are written (a link or a device
/// written through, the previous picture kept if the write fails); a
/// failure, such as a full disk, is a warning: the picture is not worth
/// the run.
void writePlot(const std::string &path, const std::string &svg);

/// Flushes a metrics stream; a write that failed (a full disk) is a
/// warning, and the run goes on without the stream (`out` reset).
void flushMetrics(std::unique_ptr<llvm::raw_fd_ostream> &out,
                  const std::string &path);

/// Opens --metrics for appending: JSON lines, or CSV when the name ends in
/// .csv, whose header row `columns` a new or empty file gets first. An
/// existing CSV file must have that same header (rows under another run's
/// header would sit in the wrong columns). Sets `csv`; returns kOk or
/// reports why not.
int openMetrics(const std::string &path, const std::string &columns,
                std::unique_ptr<llvm::raw_fd_ostream> &out, bool &csv);

/// Records in `after` (the model once a rule's passes ran) the parameters
/// `before` (the model's own) lacks: optimizer or rule state, which the
/// model's metadata declares and its checkpoints list, so that a model
/// built for inference loads them.
void markRuleState(const ModelInfo &before, ModelInfo &after);

/// The names of the model's float parameters (before a rule's passes add
/// their state).
std::vector<std::string> floatParameters(ModuleOp module);

/// Those of `own` (floatParameters of the model as written) that @train_step
/// of `module` returns as it read them: parameters the rule does not learn,
/// such as a fixed feature layer in front of coagents or a parameter no
/// written update names.
std::vector<std::string> unlearnedParameters(ModuleOp module,
                                             llvm::ArrayRef<std::string> own);

/// "leaves a, b unchanged" (a few names, then how many more), or "" when
/// `unlearned` is empty.
std::string describeUnlearned(llvm::ArrayRef<std::string> unlearned);

/// The line a training run starts with when its rule leaves parameters
/// unchanged ("credoc: note: rule 'R' leaves a, b unchanged\n"), or "".
std::string unlearnedNote(llvm::StringRef rule,
                          llvm::ArrayRef<std::string> unlearned);

/// Where an interrupted run of `model` saves without --checkpoint:
/// NAME-interrupted.safetensors, unless an earlier stopped run left it (and
/// this run did not resume from it, `resume`): then NAME-interrupted-2, …,
/// so that its state is not lost.
std::string interruptedCheckpointPath(const std::string &model,
                                      const std::string &resume);

/// The first NaN or infinite element of a float tensor (row-major).
struct NonFinite {
  int64_t at;
  bool nan;
  const char *what() const { return nan ? "NaN" : "an infinity"; }
};
std::optional<NonFinite> firstNonFinite(const credo_tensor &t);

/// The checkpoint metadata key that names the rule of the run that saved
/// it.
constexpr const char *kRuleMetadataKey = "credo.rule";
/// The checkpoint metadata that lists the rule's and optimizer's state (the
/// runtime writes it; runtime.md).
constexpr const char *kStateMetadataKey = "credo.optimizer_state";

/// The first float parameter of `model` (described by `info`) that holds a
/// NaN or an infinity: its name and where.
std::optional<std::pair<std::string, NonFinite>>
firstNonFiniteParam(credo_model *model, const ModelInfo &info);

/// "f32[128,784]": a tensor's dtype and shape as messages give them.
std::string describe(const TensorInfo &t);

/// A scalar argument or result of a training step (its learning rate, its
/// loss or signal): f32, or f64 in a model in double precision (a
/// ModelInfo's stepScalar).
struct StepScalar {
  credo_dtype dtype;
  void *data;
  void set(double v) const {
    if (dtype == CREDO_F64)
      *static_cast<double *>(data) = v;
    else
      *static_cast<float *>(data) = static_cast<float>(v);
  }
  double get() const {
    return dtype == CREDO_F64 ? *static_cast<const double *>(data)
                              : double(*static_cast<const float *>(data));
  }
};

/// With --target vulkan: an error naming the first parameter, input or
/// output of `info` that is larger than one storage buffer of the device
/// the run would use (kOk otherwise, and where the device cannot be asked:
/// the run reports that itself).
int checkFitsDevice(const DriverOptions &opts, const ModelInfo &info);

/// Loads every parameter of `model` (described by `info`) from the
/// safetensors file `path` and checks that the float ones are finite: a
/// NaN or infinite parameter is an error naming the file, the parameter and
/// the element (it would train into NaN, or round to a wrong index).
/// `what` names the use ("cannot load parameters").
int loadFiniteParams(credo_model *model, const ModelInfo &info,
                     const std::string &path, const char *what);

/// Owns a runtime model instance.
struct ModelHandle {
  credo_model *model = nullptr;
  ModelHandle() = default;
  ModelHandle(const ModelHandle &) = delete;
  ModelHandle &operator=(const ModelHandle &) = delete;
  ~ModelHandle() { credo_model_destroy(model); }
};

/// Owns runtime tensors.
struct Tensors {
  std::vector<credo_tensor> list;
  Tensors() = default;
  Tensors(const Tensors &) = delete;
  Tensors &operator=(const Tensors &) = delete;
  ~Tensors() {
    for (credo_tensor &t : list)
      credo_tensor_free(&t);
  }
};

} // namespace mlir::credo::driver

#endif // CREDO_LIB_DRIVER_COMMON_H
