//===- credoc.cpp - The Credo compiler driver -------------------*- C++ -*-===//
//
// The user's command line: `credoc <command> [options] model.json`. It only
// parses arguments; each command is a function of lib/Driver. The command
// table below is the single source of `--help`.
//
//===----------------------------------------------------------------------===//

#include "credo/Driver/Driver.h"
#include "credo/Target/Compile.h"
#include "credo/Target/Target.h"
#include "credo/Transforms/Training.h"
#include "credo/runtime.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef CREDO_VERSION
#define CREDO_VERSION "unknown"
#endif

using mlir::credo::DriverOptions;

namespace {

constexpr int kOk = 0, kUserError = 1;

struct OptionSpec {
  const char *flag, *arg, *help;
};

struct Command {
  const char *name, *summary;
  std::vector<OptionSpec> options;
  std::function<int(const DriverOptions &)> run;
};

const OptionSpec kBatch = {"--batch", "N",
                           "size of the \"batch\" dimension (default: the "
                           "training batch_size, else 1)"};
const OptionSpec kTimeMemory = {
    "--time-memory", "MODE",
    "what backpropagation through time keeps: store (default; the step "
    "values it reads), recompute (the states; steps run twice) or "
    "checkpoint[:K] (the state every K steps; steps run twice)"};
const OptionSpec kData = {
    "--data", "DIR",
    "directory of the data set's files (IDX, npy, npz or csv; default: the "
    "dataset's path, relative to the model file; IDX: "
    "/usr/share/datasets/NAME)"};
const OptionSpec kRule = {
    "--rule", "NAME",
    "the learning rule that builds the step (default: the training "
    "section's; credoc help lists the rules)"};
const OptionSpec kTarget = {"--target", "NAME",
                            "what to compile for (default cpu; credoc help "
                            "lists the targets)"};
const OptionSpec kDevice = {"--device", "N",
                            "with --target vulkan: the Vulkan device to use "
                            "(default: $CREDO_VULKAN_DEVICE, else the first "
                            "GPU)"};
const OptionSpec kProfile = {"--profile", nullptr,
                             "with --target vulkan: time every kernel on the "
                             "device and print the times per kernel at the "
                             "end"};
const OptionSpec kKernels = {"--cpu-kernels", "K",
                             "dnnl (oneDNN calls, default) or reference "
                             "(portable loops)"};

const std::vector<Command> &commands() {
  static const std::vector<Command> table = {
      {"import",
       "import a JSON graph and print its verified credo MLIR module",
       {{"-o", "FILE", "write the module to FILE (default: stdout)"},
        kBatch,
        {"--debug-locations", nullptr,
         "print each op's location (node name, JSON pointer, file:line:col)"}},
       mlir::credo::importCommand},
      {"check",
       "validate a JSON graph (and build its training step, if it has a "
       "training section) and print a one-line summary",
       {kBatch},
       mlir::credo::checkCommand},
      {"init",
       "write the initialized parameters as a safetensors file",
       {{"-o", "FILE", "the safetensors file to write (required)"}},
       mlir::credo::initCommand},
      {"run",
       "JIT-compile the model and run it on .npy inputs",
       {{"--input", "NAME=FILE", "an input as a .npy file (one per input)"},
        {"--params", "FILE",
         "parameters (safetensors; default: the initializers)"},
        {"--output", "DIR",
         "directory for the outputs, NAME.npy (required without --raster or "
         "--trace)"},
        {"--raster", "FILE",
         "draw the spikes of every spiking population in a time loop (lif, "
         "poisson_encode) for one sample as an SVG picture: step against "
         "neuron"},
        {"--trace", "FILE",
         "draw the membrane potentials of some neurons of every lif node in "
         "a time loop for one sample as an SVG picture, with the threshold "
         "and their spikes"},
        {"--neurons", "LIST",
         "with --trace: the neurons to draw, such as 0,5,17 (default the "
         "first 8 of each population; at most 20)"},
        {"--sample", "N",
         "with --raster or --trace: the row of the batch to draw (default "
         "0)"},
        kBatch,
        kTarget,
        kDevice,
        kProfile,
        kKernels,
        {"--threads", "N",
         "CPU threads for the kernels, 1 to 256 (default 1)"}},
       mlir::credo::runCommand},
      {"build",
       "compile to libNAME.so, libNAME.a and NAME.h, or one --emit artifact",
       {{"-o", "PATH", "output directory (or file with --emit)"},
        {"--emit", "KIND",
         "credo (imported), mlir (lowered), llvm (optimized IR), asm, obj, "
         "or spirv (--target vulkan: -o DIR gets one NAME.spv per kernel)"},
        kBatch,
        kTarget,
        kKernels,
        {"--name", "NAME",
         "the library's name and its functions' prefix, NAME_forward, … "
         "(default: the graph's \"name\"), to link several builds of one "
         "model into a program"},
        {"--runtime-dir", "DIR",
         "where libcredo_runtime.so is (default: next to credoc)"},
        {"--train", nullptr,
         "also export NAME_train_step (gradients + the model's optimizer)"},
        kRule,
        kTimeMemory},
       mlir::credo::buildCommand},
      {"grad",
       "write the loss and the gradient of every float parameter (safetensors)",
       {{"-o", "FILE", "the safetensors file to write (required)"},
        {"--input", "NAME=FILE", "an input as a .npy file (one per input)"},
        {"--params", "FILE",
         "parameters (safetensors; default: the initializers)"},
        {"--wrt", "NAME", "also differentiate with respect to this input"},
        kBatch,
        kTarget,
        kDevice,
        kProfile,
        kKernels,
        kTimeMemory},
       mlir::credo::gradCommand},
      {"gradcheck",
       "compare the generated gradients with finite differences (f64 models)",
       {{"--input", "NAME=FILE", "inputs (default: seeded random values)"},
        {"--params", "FILE", "parameters (default: the initializers)"},
        {"--seed", "N", "seed of the random inputs (default 0)"},
        {"--tolerance", "X", "largest relative error allowed (default 1e-6)"},
        {"--atol", "X",
         "absolute floor of the error (default 1e-8 * max(1, |loss|))"},
        kBatch,
        kTarget,
        kDevice,
        kProfile,
        kKernels,
        kTimeMemory},
       mlir::credo::gradcheckCommand},
      {"train",
       "compile the training step and train it on a data set",
       {{"--epochs", "N", "epochs (default: the training section's)"},
        kData,
        {"--seed", "N",
         "the training seed: the data order, an environment's generator key, "
         "fa and dfa's feedback matrices (default: the training section's)"},
        {"--checkpoint", "FILE",
         "save the parameters after every epoch (safetensors, atomically)"},
        {"--resume", "FILE",
         "continue from a checkpoint (after an epoch or inside one)"},
        {"--params", "FILE",
         "start from these parameters (safetensors) instead of the "
         "initializers; those the file lacks (optimizer state, feedback "
         "matrices) keep their initial values"},
        {"--env", "NAME",
         "learn in a built-in environment (chain, gridworld, cartpole) "
         "instead of a data set (default: the training section's)"},
        {"--episodes", "N",
         "episodes in the environment (default: the training section's)"},
        {"--settle", "EPOCHS",
         "epochs of the rule's unsupervised phase before training (default: "
         "the training section's settle_epochs, else 0)"},
        {"--stop-after", "STEPS",
         "save a checkpoint and stop after STEPS steps (as Ctrl-C does)"},
        {"--plot", "FILE",
         "draw loss and accuracy (train, test) per epoch as an SVG picture"},
        {"--metrics", "FILE",
         "append one JSON line per epoch (a CSV row if FILE ends in .csv)"},
        {"--report-activations", nullptr,
         "report each ReLU layer's Pr[y>0] and dead units per epoch"},
        {"--report-spikes", nullptr,
         "report each LIF population's firing rate, silent and saturated "
         "neurons per epoch"},
        {"--report-alignment", nullptr,
         "report per parameter and epoch the angle between the rule's update "
         "and the backprop gradient on the same batch, and their norm ratio"},
        kBatch,
        kTarget,
        kDevice,
        kProfile,
        kKernels,
        {"--threads", "N", "CPU threads for the kernels, 1 to 256 (default 1)"},
        kRule,
        kTimeMemory},
       mlir::credo::trainCommand},
      {"align",
       "compare the learning rule's update with the backprop gradient",
       {{"--params", "FILE",
         "parameters (safetensors; default: the initializers; the rule's "
         "feedback matrices keep theirs unless FILE has them)"},
        {"--against", "RULE",
         "what the update is compared with: backprop (the gradient, "
         "default), or the update of fa or dfa through the rule's own "
         "feedback matrices (dendritic with random feedback against fa; fa "
         "and dfa not against each other: their matrices stand for "
         "different products)"},
        kData,
        kRule,
        kBatch,
        {"--batches", "N",
         "measure on the first N batches of the training set (default: "
         "all)"},
        kTarget,
        kDevice,
        kProfile,
        kKernels,
        {"--threads", "N", "CPU threads for the kernels, 1 to 256 (default 1)"},
        kTimeMemory},
       mlir::credo::alignCommand},
      {"devices",
       "list the Vulkan devices and the one a Vulkan run would use",
       {{"--device", "N",
         "the device to use (default: $CREDO_VULKAN_DEVICE, else the first "
         "GPU; a CPU implementation only without one)"}},
       mlir::credo::devicesCommand},
  };
  return table;
}

void printOptions(llvm::raw_ostream &os, const Command &c, const char *indent) {
  for (const OptionSpec &o : c.options) {
    std::string flag =
        std::string(o.flag) + (o.arg ? std::string(" ") + o.arg : "");
    os << indent << llvm::left_justify(flag, 20) << " " << o.help << "\n";
  }
}

void printHelp(llvm::raw_ostream &os) {
  os << "credoc " << CREDO_VERSION
     << " - the Credo compiler for learning rules\n\n"
     << "usage: credoc <command> [options] <model.json>\n"
     << "       credoc --help | --version | help <command>\n\n"
     << "commands:\n";
  for (const Command &c : commands())
    os << "  " << llvm::left_justify(c.name, 10) << c.summary << "\n";
  os << "\noptions:\n";
  for (const Command &c : commands()) {
    os << "  " << c.name << ":\n";
    printOptions(os, c, "    ");
  }
  os << "\ntargets (--target):\n";
  for (const std::string &name : mlir::credo::targetNames())
    os << "  " << llvm::left_justify(name, 10)
       << mlir::credo::lookupTarget(name)->description() << "\n";
  os << "\nlearning rules (training section \"rule\", --rule):\n";
  for (const std::string &name : mlir::credo::trainingRuleNames())
    os << "  " << llvm::left_justify(name, 10)
       << mlir::credo::lookupTrainingRule(name)->summary << "\n";
  os << "\nExit status: 0 on success, 1 on any error (reported on stderr).\n"
     << "The graph format is described in docs/graph-format.md.\n";
}

void printCommandHelp(const Command &c, llvm::raw_ostream &os) {
  os << "usage: credoc " << c.name << " [options]"
     << (c.name == llvm::StringRef("devices") ? "" : " <model.json>") << "\n\n"
     << c.summary << "\n\noptions:\n";
  printOptions(os, c, "  ");
}

const Command *findCommand(llvm::StringRef name) {
  for (const Command &c : commands())
    if (name == c.name)
      return &c;
  return nullptr;
}

int error(const llvm::Twine &message) {
  llvm::errs() << "credoc: error: " << message << "\n";
  return kUserError;
}

/// libcredo_runtime lives in ../lib relative to the credoc executable.
std::string defaultRuntimeDir(const char *argv0) {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, &anchor);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(dir, "..", "lib");
  llvm::sys::path::remove_dots(dir, /*remove_dot_dot=*/true);
  return std::string(dir);
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printHelp(llvm::errs());
    return kUserError;
  }
  // Nothing may follow --help, --version or help COMMAND: an argument
  // there would be silently ignored.
  size_t most = args[0] == "help" ? 2 : 1;
  if ((args[0] == "--help" || args[0] == "-h" || args[0] == "--version" ||
       args[0] == "help") &&
      args.size() > most)
    return error("unexpected argument '" + args[most] + "' after " +
                 (most == 2 ? "help " + args[1] : args[0]));
  if (args[0] == "--help" || args[0] == "-h") {
    printHelp(llvm::outs());
    return kOk;
  }
  if (args[0] == "--version") {
    llvm::outs() << "credoc " << CREDO_VERSION << " (MLIR 19)\n";
    return kOk;
  }
  if (args[0] == "help") {
    if (args.size() < 2 || args[1] == "help") {
      printHelp(llvm::outs());
      return kOk;
    }
    const Command *c = findCommand(args[1]);
    if (!c)
      return error("unknown command '" + args[1] + "' (see credoc --help)");
    printCommandHelp(*c, llvm::outs());
    return kOk;
  }
  if (llvm::Expected<std::optional<unsigned>> width =
          mlir::credo::vectorWidthFromEnvironment();
      !width)
    return error(llvm::toString(width.takeError()));
  const Command *command = findCommand(args[0]);
  if (!command)
    return error("unknown command '" + args[0] + "' (see credoc --help)");

  DriverOptions opts;
  opts.runtimeLibDir = defaultRuntimeDir(argv[0]);
  std::set<std::string> seen;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      printCommandHelp(*command, llvm::outs());
      return kOk;
    }
    if (a.size() < 2 || a[0] != '-') {
      if (!opts.model.empty())
        return error("unexpected argument '" + a + "' (one model file only)");
      opts.model = a;
      continue;
    }
    // --flag=value or --flag value.
    std::string flag = a, value;
    bool inlineValue = false;
    if (size_t eq = a.find('='); eq != std::string::npos && a[1] == '-') {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      inlineValue = true;
    }
    const OptionSpec *spec = nullptr;
    for (const OptionSpec &o : command->options)
      if (flag == o.flag)
        spec = &o;
    if (!spec)
      return error("unknown option '" + flag + "' for '" + command->name +
                   "' (see credoc help " + command->name + ")");
    if (spec->arg && !inlineValue) {
      if (i + 1 >= args.size())
        return error("option " + flag + " needs " + spec->arg);
      value = args[++i];
      // A forgotten value would take the next option as a file name.
      std::string next = value.substr(0, value.find('='));
      if (llvm::StringRef(next).starts_with("--") &&
          llvm::any_of(command->options,
                       [&](const OptionSpec &o) { return next == o.flag; }))
        return error("option " + flag + " needs " + spec->arg +
                     ", but got the option '" + next +
                     "' (for a value that "
                     "starts with --, write " +
                     flag + "=" + value + ")");
    } else if (!spec->arg && inlineValue) {
      return error("option " + flag + " takes no value");
    }
    // Every option but --input and --wrt (one per input) is given once: a
    // second value would silently replace the first.
    if (flag != "--input" && flag != "--wrt" && !seen.insert(flag).second)
      return error("option " + flag + " is given twice");
    if (spec->arg && value.empty() && flag != "--env")
      return error("option " + flag + " needs " + spec->arg +
                   ", but got an empty value");

    if (flag == "-o" || flag == "--output") {
      opts.output = value;
    } else if (flag == "--batch" || flag == "--threads") {
      long long n = 0;
      const long long most =
          flag == "--batch" ? (1ll << 31) - 1 : CREDO_MAX_THREADS;
      if (llvm::StringRef(value).getAsInteger(10, n) || n <= 0 || n > most)
        return error(
            "option " + flag + " needs an integer in [1, " +
            std::to_string(most) + "], but got '" + value + "'" +
            (flag == "--threads"
                 ? " (this machine has " +
                       std::to_string(std::thread::hardware_concurrency()) +
                       " hardware threads)"
                 : ""));
      if (flag == "--batch") {
        opts.batch = n;
      } else {
        opts.threads = static_cast<int>(n);
        opts.cpuOnlyFlag = flag;
      }
    } else if (flag == "--device") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n < 0 || n > 65535)
        return error("option --device needs a device index (credoc devices "
                     "lists them), but got '" +
                     value + "'");
      opts.device = n;
    } else if (flag == "--debug-locations") {
      opts.debugLocations = true;
    } else if (flag == "--report-activations") {
      opts.reportActivations = true;
    } else if (flag == "--profile") {
      opts.profile = true;
    } else if (flag == "--report-spikes") {
      opts.reportSpikes = true;
    } else if (flag == "--against") {
      opts.against = value;
    } else if (flag == "--report-alignment") {
      opts.reportAlignment = true;
    } else if (flag == "--train") {
      opts.train = true;
    } else if (flag == "--params") {
      opts.params = value;
    } else if (flag == "--input") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
        return error("option --input needs NAME=FILE, but got '" + value + "'");
      opts.inputs.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (flag == "--target") {
      opts.target = value;
    } else if (flag == "--cpu-kernels") {
      opts.cpuOnlyFlag = flag;
      if (value == "dnnl")
        opts.kernels = mlir::credo::CpuKernels::Dnnl;
      else if (value == "reference")
        opts.kernels = mlir::credo::CpuKernels::Reference;
      else
        return error("option --cpu-kernels needs dnnl or reference, but got '" +
                     value + "'");
    } else if (flag == "--emit") {
      opts.emit = value;
    } else if (flag == "--name") {
      opts.libraryName = value;
    } else if (flag == "--runtime-dir") {
      opts.runtimeLibDir = value;
    } else if (flag == "--time-memory") {
      if (!mlir::credo::parseTimeMemory(value))
        return error(std::string("option --time-memory needs ") +
                     mlir::credo::kTimeMemoryModes + ", but got '" + value +
                     "'");
      opts.timeMemory = value;
      opts.timeMemoryGiven = true;
    } else if (flag == "--rule") {
      opts.rule = value;
    } else if (flag == "--wrt") {
      if (llvm::is_contained(opts.wrt, value))
        return error("option --wrt " + value + " is given twice");
      opts.wrt.push_back(value);
    } else if (flag == "--seed") {
      unsigned long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n))
        return error("option --seed needs an integer in [0, 2^64), but got '" +
                     value + "'");
      opts.seed = n;
      opts.trainSeed = n;
    } else if (flag == "--epochs") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n <= 0 || n > 100000)
        return error("option --epochs needs an integer in [1, 100000], but "
                     "got '" +
                     value + "'");
      opts.epochs = n;
    } else if (flag == "--env") {
      if (value.empty())
        return error("option --env needs an environment's name (chain, "
                     "gridworld or cartpole)");
      opts.env = value;
    } else if (flag == "--episodes") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n <= 0 || n > 100000000)
        return error("option --episodes needs a positive integer, but got '" +
                     value + "'");
      opts.episodes = n;
    } else if (flag == "--settle") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n < 0 || n > 100000)
        return error("option --settle needs a number of epochs (0 or more), "
                     "but got '" +
                     value + "'");
      opts.settle = n;
    } else if (flag == "--stop-after" || flag == "--batches") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n <= 0)
        return error("option " + flag + " needs a positive number of " +
                     (flag == "--batches" ? "batches" : "steps") +
                     ", but got '" + value + "'");
      (flag == "--batches" ? opts.batches : opts.stopAfter) = n;
    } else if (flag == "--data") {
      opts.data = value;
    } else if (flag == "--plot") {
      opts.plot = value;
    } else if (flag == "--raster") {
      opts.raster = value;
    } else if (flag == "--trace") {
      opts.trace = value;
    } else if (flag == "--neurons") {
      llvm::SmallVector<llvm::StringRef> parts;
      llvm::StringRef(value).split(parts, ',');
      for (llvm::StringRef part : parts) {
        long long n = 0;
        if (part.trim().getAsInteger(10, n) || n < 0)
          return error("option --neurons needs neuron indices (0 or more) "
                       "separated by commas, such as 0,5,17, but got '" +
                       value + "'");
        if (llvm::is_contained(opts.neurons, n))
          return error("option --neurons lists neuron " + std::to_string(n) +
                       " twice");
        opts.neurons.push_back(n);
      }
      if (opts.neurons.size() > 20)
        return error("option --neurons lists " +
                     std::to_string(opts.neurons.size()) +
                     " neurons; a trace draws at most 20");
    } else if (flag == "--sample") {
      long long n = 0;
      if (llvm::StringRef(value).getAsInteger(10, n) || n < 0)
        return error("option --sample needs a row of the batch (0 or more), "
                     "but got '" +
                     value + "'");
      opts.sample = n;
    } else if (flag == "--metrics") {
      opts.metrics = value;
    } else if (flag == "--checkpoint") {
      opts.checkpoint = value;
    } else if (flag == "--resume") {
      opts.resume = value;
    } else if (flag == "--tolerance") {
      double x = 0;
      if (llvm::StringRef(value).getAsDouble(x) || !(x > 0) ||
          !std::isfinite(x))
        return error("option --tolerance needs a finite number > 0, but got '" +
                     value + "'");
      opts.tolerance = x;
    } else if (flag == "--atol") {
      double x = 0;
      if (llvm::StringRef(value).getAsDouble(x) || !(x >= 0) ||
          !std::isfinite(x))
        return error("option --atol needs a finite number >= 0, but got '" +
                     value + "'");
      opts.absoluteTolerance = x;
    }
  }
  if (opts.output.empty() && (command->name == std::string("import") ||
                              command->name == std::string("check")))
    opts.output = "-";
  int status = command->run(opts);
  if (opts.profile && status == 0)
    mlir::credo::printVulkanProfile();
  // Standard output that could not be written (a full disk, a closed pipe)
  // is an error of its own, not LLVM's fatal one when the stream closes.
  llvm::outs().flush();
  if (llvm::outs().has_error()) {
    std::error_code ec = llvm::outs().error();
    llvm::outs().clear_error();
    llvm::errs() << "credoc: error: cannot write to standard output: "
                 << ec.message() << "\n";
    return status ? status : 1;
  }
  return status;
}
