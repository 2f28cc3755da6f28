//===- Plot.h - Training curves as an SVG picture ---------------*- C++ -*-===//
//
// `credoc train --plot curves.svg`: the loss (train and test) and the test
// accuracy per epoch, drawn as two panels of a self-contained SVG file that
// any browser shows; with --report-alignment, the angle and norm ratio of
// each parameter's update to the backprop gradient per epoch below them,
// and with --report-spikes, a histogram of the firing rates of each LIF
// population's neurons in the last epoch. `credoc run --raster` and
// `--trace` draw spike rasters and membrane potentials.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_DRIVER_PLOT_H
#define CREDO_LIB_DRIVER_PLOT_H

#include <string>
#include <vector>

namespace mlir::credo::driver {

/// One finished epoch. NaN: not measured.
struct EpochPoint {
  int64_t epoch;
  double trainLoss, testLoss;
  /// The metric (accuracy in %, mse, a mean output) on both sets.
  double testMetric, trainMetric;
};

/// One LIF population's neurons in an epoch: each neuron's firing rate
/// (spikes per step and sample) and the rate at which a neuron is saturated
/// (a spike at every step its refractory period allows).
struct RateHistogram {
  std::string layer;
  int64_t epoch = 0;
  std::vector<double> rates;
  double saturatedRate = 1;
};

/// One trained parameter's alignment report per epoch, one value per point
/// of the curves: the mean angle (degrees) and norm ratio of the rule's
/// update to the backprop gradient (NaN: no angle in that epoch).
struct AlignmentCurve {
  std::string name;
  std::vector<double> angles, ratios;
};

/// The SVG document for `points` of the model `title`: a loss panel, and a
/// panel titled `metric` when any point has a metric; below them, when
/// `alignment` is not empty, an angle panel and a norm-ratio panel with a
/// line per parameter; below those a histogram per entry of `rates`
/// (silent neurons, 20 bins of rates between none and saturation,
/// saturated neurons; each bar's count as a tooltip).
std::string renderCurves(const std::string &title,
                         const std::vector<EpochPoint> &points,
                         const std::string &metric = "accuracy (%)",
                         const std::vector<RateHistogram> &rates = {},
                         const std::vector<AlignmentCurve> &alignment = {});

/// One population's spikes in one sample: `spikes[t * neurons + n]` is
/// whether neuron n fired at step t.
struct SpikeRaster {
  std::string name;
  int64_t steps = 0, neurons = 0;
  std::vector<bool> spikes;
  /// Where the train holds NaN (not a spike, and not silence either); empty
  /// when nowhere.
  std::vector<bool> nan;
};

/// Spike rasters (`credoc run --raster`), one panel per population, stacked
/// in order: a mark at (step, neuron) per spike (neuron 0 at the bottom),
/// each neuron that fired with its spike steps as a tooltip, NaN values as
/// red marks, and a heading with the population's size, spike count, mean
/// rate, silent neurons and NaN values.
std::string renderRaster(const std::string &title,
                         const std::vector<SpikeRaster> &rasters);

/// Some neurons of one LIF population in one sample: the potential of
/// neurons[k] at step t is potentials[k * steps + t], spikes likewise.
struct PotentialTrace {
  std::string name;
  int64_t steps = 0;
  double threshold = 1;
  std::vector<int64_t> neurons;
  std::vector<double> potentials;
  std::vector<bool> spikes;
};

/// Membrane potentials (`credoc run --trace`), one panel per population,
/// stacked: a line per neuron over the steps (its values in the line's
/// data-values attribute), the threshold dashed, a dot at each spike.
std::string renderTraces(const std::string &title,
                         const std::vector<PotentialTrace> &traces);

/// Episode returns of a run in an environment as an SVG picture: each
/// episode's return and the running mean of the last `window`.
std::string renderReturns(const std::string &title,
                          const std::vector<double> &returns, int64_t window);

} // namespace mlir::credo::driver

#endif // CREDO_LIB_DRIVER_PLOT_H
