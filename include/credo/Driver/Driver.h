//===- Driver.h - What credoc's commands do ---------------------*- C++ -*-===//
//
// Each credoc command as a library function, so the tool only parses its
// command line. Every function reports errors on stderr (located where
// possible) and returns an exit status: 0 on success, 1 on any error.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_DRIVER_DRIVER_H
#define CREDO_DRIVER_DRIVER_H

#include "credo/Pipelines/Pipelines.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::credo {

struct DriverOptions {
  std::string model;            ///< the JSON model file ("-" = stdin)
  std::string output;           ///< -o: file or directory, per command
  std::optional<int64_t> batch; ///< --batch
  bool debugLocations = false;  ///< --debug-locations
  std::string params;           ///< --params FILE.safetensors
  std::vector<std::pair<std::string, std::string>> inputs; ///< --input N=F
  CpuKernels kernels = CpuKernels::Dnnl;                   ///< --cpu-kernels
  std::string target = "cpu";                              ///< --target
  std::string emit;             ///< --emit: credo|mlir|llvm|asm|obj
  int threads = 1;              ///< --threads
  std::string cpuOnlyFlag;      ///< --threads or --cpu-kernels, when given
  std::string runtimeLibDir;    ///< where libcredo_runtime.so lives
  int64_t device = -1;          ///< --device: a Vulkan device index
  std::vector<std::string> wrt; ///< --wrt: inputs to differentiate
  double tolerance = 1e-6;      ///< gradcheck: largest relative error
  std::optional<double> absoluteTolerance; ///< gradcheck: --atol
  uint64_t seed = 0;                       ///< gradcheck: seed of random inputs
  std::optional<uint64_t> trainSeed;       ///< train: --seed (shuffling)
  std::optional<int64_t> epochs;           ///< train: --epochs
  std::string data;                        ///< train: --data DIR
  std::string metrics;                     ///< train: --metrics FILE.jsonl
  std::string plot;                        ///< train: --plot FILE.svg
  std::string raster;                      ///< run: --raster FILE.svg
  std::string trace;                       ///< run: --trace FILE.svg
  int64_t sample = 0;                      ///< run: --sample (the pictures)
  std::vector<int64_t> neurons;            ///< run: --neurons (with --trace)
  std::string checkpoint;                  ///< train: --checkpoint FILE
  std::string resume;                      ///< train: --resume FILE
  std::optional<int64_t> stopAfter;        ///< train: --stop-after STEPS
  std::optional<int64_t> batches;          ///< align: --batches N
  std::optional<int64_t> settle;           ///< train: --settle EPOCHS
  bool reportActivations = false;          ///< train: --report-activations
  bool reportSpikes = false;               ///< train: --report-spikes
  bool profile = false;                    ///< --profile (Vulkan kernels)
  bool reportAlignment = false;            ///< train: --report-alignment
  std::string against;                     ///< align: --against backprop|fa|dfa
  bool train = false;                      ///< build: --train
  std::string libraryName;                 ///< build: --name (the prefix)
  std::string timeMemory = "store";        ///< --time-memory: store|recompute
  bool timeMemoryGiven = false;            ///< --time-memory was given
  std::string rule;                        ///< --rule: overrides the model's
  std::string env;                         ///< train: --env NAME
  std::optional<int64_t> episodes;         ///< train: --episodes N
};

int importCommand(const DriverOptions &options);
int checkCommand(const DriverOptions &options);
int initCommand(const DriverOptions &options);
int runCommand(const DriverOptions &options);
int buildCommand(const DriverOptions &options);
int gradCommand(const DriverOptions &options);
int gradcheckCommand(const DriverOptions &options);
int trainCommand(const DriverOptions &options);
int alignCommand(const DriverOptions &options);
/// credoc train for a model that learns in an environment (trainCommand
/// calls it when the training section or --env names one).
int envTrainCommand(const DriverOptions &options);
int devicesCommand(const DriverOptions &options);
/// Prints the Vulkan kernel times collected under --profile (stdout).
void printVulkanProfile();

} // namespace mlir::credo

#endif // CREDO_DRIVER_DRIVER_H
