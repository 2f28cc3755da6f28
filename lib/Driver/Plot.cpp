//===- Plot.cpp - Training curves as an SVG picture -------------*- C++ -*-===//
//
// Two panels, each with its axes, round-number ticks and labelled lines:
// loss per epoch (train: the mean over the epoch's steps; test: the mean
// cross-entropy of the test set after the epoch) and accuracy (of the
// training and the test set after the epoch; absent for a model without
// labels). Rows of alignment curves (local rules) and firing-rate
// histograms (spiking models) can follow.
//
//===----------------------------------------------------------------------===//

#include "Plot.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

using namespace mlir::credo::driver;

namespace {

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

/// XML-escapes a title.
std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
  }
  return out;
}

/// Round tick values covering [lo, hi]: a step of 1, 2 or 5 times a power
/// of ten, about five ticks.
std::vector<double> ticks(double lo, double hi) {
  double span = hi - lo;
  if (!(span > 0))
    span = std::fabs(hi) > 0 ? std::fabs(hi) : 1;
  double raw = span / 5, power = std::pow(10, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  // From the tick at or below lo to the first at or above hi.
  std::vector<double> t;
  for (double v = std::floor(lo / step + 1e-9) * step;; v += step) {
    t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
    if (v >= hi - step * 1e-9 || t.size() > 50)
      break;
  }
  return t;
}

/// Horizontal grid lines at the tick values `yt` (placed by Y) between
/// left and right, each labelled at the left edge.
std::string yGrid(double left, double right, const std::vector<double> &yt,
                  const std::function<double(double)> &Y,
                  const char *valueFormat) {
  // The 50 pixels left of the axis hold 6 characters of 12-pixel text;
  // longer labels (1.5e+307) get one smaller font that fits them, not cut
  // at the picture's edge.
  size_t longest = 0;
  for (double v : yt)
    longest = std::max(longest, fmt(valueFormat, v).size());
  std::string size =
      longest > 6
          ? " font-size=\"" +
                fmt("%.1f", std::floor(720.0 / double(longest)) / 10) + "\""
          : "";
  std::string s;
  for (double v : yt) {
    s += "<line x1=\"" + fmt("%.1f", left) + "\" x2=\"" + fmt("%.1f", right) +
         "\" y1=\"" + fmt("%.1f", Y(v)) + "\" y2=\"" + fmt("%.1f", Y(v)) +
         "\" stroke=\"#e5e5e5\"/>\n";
    s += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" +
         fmt("%.1f", Y(v) + 4) + "\" text-anchor=\"end\"" + size + ">" +
         fmt(valueFormat, v) + "</text>\n";
  }
  return s;
}

/// The y and x axes of a plot area.
std::string axes(double left, double top, double right, double bottom) {
  return "<polyline fill=\"none\" stroke=\"#555\" points=\"" +
         fmt("%.1f", left) + "," + fmt("%.1f", top) + " " + fmt("%.1f", left) +
         "," + fmt("%.1f", bottom) + " " + fmt("%.1f", right) + "," +
         fmt("%.1f", bottom) + "\"/>\n";
}

struct Series {
  std::string label, color;
  std::function<double(const EpochPoint &)> value;
  bool dashed;
};

/// One panel at (x0, y0) of size w × h.
std::string panel(double x0, double y0, double w, double h,
                  const std::string &title, const std::vector<Series> &series,
                  const std::vector<EpochPoint> &points,
                  const char *valueFormat, const char *xLabel = "epoch") {
  std::string s;
  double lo = INFINITY, hi = -INFINITY;
  for (const Series &sr : series)
    for (const EpochPoint &p : points) {
      double v = sr.value(p);
      if (std::isfinite(v))
        lo = std::min(lo, v), hi = std::max(hi, v);
    }
  if (!std::isfinite(lo))
    lo = 0, hi = 1;
  std::vector<double> yt = ticks(lo, hi);
  double ylo = yt.front(), yhi = yt.back();
  if (yhi == ylo)
    yhi = ylo + 1;
  int64_t first = points.front().epoch, last = points.back().epoch;
  double left = x0 + 56, right = x0 + w - 12, top = y0 + 28,
         bottom = y0 + h - 40;
  auto X = [&](double e) {
    return last == first ? (left + right) / 2
                         : left + (e - double(first)) / double(last - first) *
                                      (right - left);
  };
  auto Y = [&](double v) {
    return bottom - (v - ylo) / (yhi - ylo) * (bottom - top);
  };
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", y0 + 16) +
       "\" text-anchor=\"middle\" font-weight=\"bold\">" + title + "</text>\n";
  s += yGrid(left, right, yt, Y, valueFormat);
  int64_t every = std::max<int64_t>(1, (last - first) / 10 + 1);
  for (int64_t e = first; e <= last; e += every)
    s += "<text x=\"" + fmt("%.1f", X(double(e))) + "\" y=\"" +
         fmt("%.1f", bottom + 16) + "\" text-anchor=\"middle\">" +
         std::to_string(e) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", bottom + 32) + "\" text-anchor=\"middle\">" + xLabel +
       "</text>\n";
  s += axes(left, top, right, bottom);
  // The legend goes in the corner of the plot its lines cross least (at
  // the top right when they tie), on a white ground.
  size_t longest = 0, entries = 0;
  std::vector<std::pair<double, double>> drawn;     // points along the lines
  std::vector<std::string> pointsOf(series.size()); // each line's points
  for (auto [sr, pts] : llvm::zip(series, pointsOf)) {
    const EpochPoint *prev = nullptr;
    for (const EpochPoint &p : points) {
      if (!std::isfinite(sr.value(p)))
        continue;
      pts += fmt("%.1f", X(double(p.epoch))) + "," +
             fmt("%.1f", Y(sr.value(p))) + " ";
      if (prev)
        for (int i = 1; i <= 16; ++i) {
          double f = i / 16.0;
          drawn.push_back(
              {X(double(prev->epoch)) * (1 - f) + X(double(p.epoch)) * f,
               Y(sr.value(*prev)) * (1 - f) + Y(sr.value(p)) * f});
        }
      else
        drawn.push_back({X(double(p.epoch)), Y(sr.value(p))});
      prev = &p;
    }
    if (prev) {
      longest = std::max(longest, sr.label.size());
      ++entries;
    }
  }
  double boxW = 42 + 7 * double(std::max<size_t>(longest, 13)),
         boxH = 16 * double(entries) + 4;
  double legendX = right - boxW + 12, legendTop = top;
  size_t fewest = SIZE_MAX;
  for (auto [atLeft, atBottom] :
       {std::pair(false, false), {true, false}, {false, true}, {true, true}}) {
    double bx = atLeft ? left + 8 : right - boxW,
           by = atBottom ? bottom - boxH - 4 : top;
    size_t inside = 0;
    for (auto [px, py] : drawn)
      inside += px >= bx - 4 && px <= bx + boxW + 4 && py >= by - 4 &&
                py <= by + boxH + 4;
    if (inside < fewest) {
      fewest = inside;
      legendX = bx + 12;
      legendTop = by;
    }
  }
  double legendY = legendTop + 4;
  std::string legend;
  if (entries)
    legend += "<rect x=\"" + fmt("%.1f", legendX - 6) + "\" y=\"" +
              fmt("%.1f", legendTop - 6) + "\" width=\"" +
              fmt("%.1f", boxW - 12) + "\" height=\"" + fmt("%.1f", boxH) +
              "\" fill=\"white\" fill-opacity=\"0.85\"/>\n";
  for (auto [sr, pts] : llvm::zip(series, pointsOf)) {
    if (pts.empty()) // no value to draw (a regression's test metric is
      continue;      // another panel's): no line and no legend entry
    s += "<polyline fill=\"none\" stroke=\"" + sr.color +
         "\" stroke-width=\"2\"" +
         (sr.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"" + pts +
         "\"/>\n";
    // Markers (with their values as tooltips) while they stay readable.
    for (const EpochPoint &p : points)
      if (points.size() <= 100 && std::isfinite(sr.value(p)))
        s += "<circle cx=\"" + fmt("%.1f", X(double(p.epoch))) + "\" cy=\"" +
             fmt("%.1f", Y(sr.value(p))) + "\" r=\"3\" fill=\"" + sr.color +
             "\"><title>" + sr.label + ", " + xLabel + " " +
             std::to_string(p.epoch) + ": " + fmt("%.4f", sr.value(p)) +
             "</title></circle>\n";
    legend += "<line x1=\"" + fmt("%.1f", legendX) + "\" x2=\"" +
              fmt("%.1f", legendX + 24) + "\" y1=\"" + fmt("%.1f", legendY) +
              "\" y2=\"" + fmt("%.1f", legendY) + "\" stroke=\"" + sr.color +
              "\" stroke-width=\"2\"" +
              (sr.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
    legend += "<text x=\"" + fmt("%.1f", legendX + 30) + "\" y=\"" +
              fmt("%.1f", legendY + 4) + "\">" + sr.label + "</text>\n";
    legendY += 16;
  }
  s += legend;
  return s;
}

constexpr double kWidth = 900, kHeight = 340, kHistogramHeight = 260;
/// Line colours, in order (dashed after the tenth).
const char *const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                "#bcbd22", "#17becf"};
constexpr int kBins = 20;

/// A histogram of one population's firing rates at (x0, y0), w × h: a bar
/// of silent neurons, kBins bins of rates in (0, saturation), a bar of
/// saturated neurons.
std::string histogram(double x0, double y0, double w, double h,
                      const RateHistogram &r) {
  std::vector<int64_t> counts(kBins + 2, 0); // silent, bins, saturated
  double sum = 0;
  for (double rate : r.rates) {
    sum += rate;
    size_t bar = kBins + 1; // saturated
    if (rate <= 0)
      bar = 0;
    else if (rate < r.saturatedRate * (1 - 1e-9))
      bar = 1 + size_t(std::min<double>(
                    kBins - 1, std::floor(rate / r.saturatedRate * kBins)));
    ++counts[bar];
  }
  int64_t most = *std::max_element(counts.begin(), counts.end());
  std::vector<double> yt = ticks(0, double(std::max<int64_t>(most, 1)));
  double yhi = yt.back() > 0 ? yt.back() : 1;
  // Below the bars: the rate ticks, then the two end bars' names (under
  // the ticks, at the panel's edges: they collided with the ticks), then
  // the axis title.
  double left = x0 + 56, right = x0 + w - 12, top = y0 + 34,
         bottom = y0 + h - 48;
  auto Y = [&](double v) { return bottom - v / yhi * (bottom - top); };
  double mean = r.rates.empty() ? 0 : sum / double(r.rates.size());
  std::string s = "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
                  fmt("%.1f", y0 + 16) +
                  "\" text-anchor=\"middle\" font-weight=\"bold\">" +
                  escape(r.layer) + ": firing rates, epoch " +
                  std::to_string(r.epoch) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", y0 + 30) + "\" text-anchor=\"middle\">" +
       std::to_string(r.rates.size()) + " neurons, mean " + fmt("%.4f", mean) +
       " spikes/step, " + std::to_string(counts[0]) + " silent, " +
       std::to_string(counts[kBins + 1]) + " saturated</text>\n";
  s += yGrid(left, right, yt, Y, "%.4g");
  // Bars: silent, the bins, saturated, with a gap around the bins.
  double slot = (right - left) / double(kBins + 4);
  auto bar = [&](size_t i, double x, const std::string &color,
                 const std::string &what) {
    double y = Y(double(counts[i]));
    s += "<rect class=\"rate-bar\" x=\"" + fmt("%.1f", x + 1) + "\" y=\"" +
         fmt("%.1f", y) + "\" width=\"" + fmt("%.1f", slot - 2) +
         "\" height=\"" + fmt("%.1f", bottom - y) + "\" fill=\"" + color +
         "\"><title>" + what + ": " + std::to_string(counts[i]) +
         (counts[i] == 1 ? " neuron" : " neurons") + "</title></rect>\n";
  };
  bar(0, left, "#7f7f7f", "silent (no spike)");
  for (int b = 0; b < kBins; ++b)
    bar(size_t(b) + 1, left + slot * (b + 2), "#1f77b4",
        "rate " + fmt("%.4f", r.saturatedRate * b / kBins) + " to " +
            fmt("%.4f", r.saturatedRate * (b + 1) / kBins) + " spikes/step");
  bar(kBins + 1, left + slot * (kBins + 3), "#d62728",
      "saturated (a spike at every allowed step)");
  s += "<text x=\"" + fmt("%.1f", left + slot * 2) + "\" y=\"" +
       fmt("%.1f", bottom + 15) + "\" text-anchor=\"middle\">0</text>\n";
  s += "<text x=\"" + fmt("%.1f", left + slot * (kBins + 2)) + "\" y=\"" +
       fmt("%.1f", bottom + 15) + "\" text-anchor=\"middle\">" +
       fmt("%.3g", r.saturatedRate) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", bottom + 29) +
       "\" text-anchor=\"start\" fill=\"#7f7f7f\">silent</text>\n";
  s += "<text x=\"" + fmt("%.1f", right) + "\" y=\"" +
       fmt("%.1f", bottom + 29) +
       "\" text-anchor=\"end\" fill=\"#d62728\">saturated</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", bottom + 43) +
       "\" text-anchor=\"middle\">spikes per step (neurons per bar)</text>\n";
  return s + axes(left, top, right, bottom);
}

/// The picture's opening: its size, a white background and the title.
std::string svgStart(const std::string &title, double height = kHeight) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         fmt("%.0f", kWidth) + "\" height=\"" + fmt("%.0f", height) +
         "\" viewBox=\"0 0 " + fmt("%.0f", kWidth) + " " + fmt("%.0f", height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n"
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
         "<text x=\"12\" y=\"18\" font-size=\"14\">" +
         escape(title) + "</text>\n";
}

} // namespace

std::string mlir::credo::driver::renderCurves(
    const std::string &title, const std::vector<EpochPoint> &points,
    const std::string &metric, const std::vector<RateHistogram> &rates,
    const std::vector<AlignmentCurve> &alignment) {
  const double w = kWidth, h = kHeight;
  const bool aligned = !alignment.empty() && !points.empty();
  double histogramsAt = aligned ? 2 * h : h;
  std::string s =
      svgStart(title, histogramsAt + (rates.empty() ? 0 : kHistogramHeight));
  for (size_t i = 0; i < rates.size(); ++i) {
    double each = w / double(rates.size());
    s += histogram(each * double(i), histogramsAt, each, kHistogramHeight,
                   rates[i]);
  }
  if (points.empty())
    return s + "</svg>\n";
  if (aligned) {
    std::vector<Series> angles, ratios;
    const int64_t first = points.front().epoch;
    for (size_t i = 0; i < alignment.size(); ++i) {
      const AlignmentCurve *c = &alignment[i];
      auto at = [first](const std::vector<double> &v, const EpochPoint &p) {
        size_t k = size_t(p.epoch - first);
        return k < v.size() ? v[k] : NAN;
      };
      std::string color = kPalette[i % 10];
      bool dashed = i >= 10;
      angles.push_back(
          {escape(c->name), color,
           [c, at](const EpochPoint &p) { return at(c->angles, p); }, dashed});
      ratios.push_back(
          {escape(c->name), color,
           [c, at](const EpochPoint &p) { return at(c->ratios, p); }, dashed});
    }
    s += panel(0, h, w / 2, h, "angle to the backprop gradient (degrees)",
               angles, points, "%.3g");
    s += panel(w / 2, h, w / 2, h, "norm ratio (update / gradient)", ratios,
               points, "%.3g");
  }
  // Measured by its loss alone: the loss takes the width.
  const bool accuracy =
      std::any_of(points.begin(), points.end(), [](const EpochPoint &p) {
        return !std::isnan(p.testMetric);
      });
  s += panel(0, 24, accuracy ? w / 2 : w, h - 24, "loss",
             {{"train", "#1f77b4",
               [](const EpochPoint &p) { return p.trainLoss; }, false},
              {"test", "#d62728",
               [](const EpochPoint &p) { return p.testLoss; }, true}},
             points, "%.3g");
  if (!accuracy)
    return s + "</svg>\n";
  s += panel(w / 2, 24, w / 2, h - 24, metric,
             {{"train", "#1f77b4",
               [](const EpochPoint &p) { return p.trainMetric; }, false},
              {"test", "#d62728",
               [](const EpochPoint &p) { return p.testMetric; }, true}},
             points, "%.4g");
  return s + "</svg>\n";
}

namespace {

/// Below each raster: a strip of the population's spikes per step (a bar
/// per step), then the step axis.
constexpr double kRasterHeading = 44, kStripGap = 6, kStrip = 32,
                 kRasterFooter = kStripGap + kStrip + 40;

/// The height of a population's plot area: 4 px per neuron, at least 60
/// px, at most 360 px, or one pixel per neuron up to 800 px.
double rasterHeight(int64_t neurons) {
  double n = double(neurons);
  return std::clamp(4.0 * n, 60.0, std::max(360.0, std::min(n, 800.0)));
}

/// One population's raster at y0 across the picture's width.
std::string raster(double y0, const SpikeRaster &r) {
  const int64_t T = r.steps, N = r.neurons;
  double left = 56, right = kWidth - 12, top = y0 + kRasterHeading,
         bottom = top + rasterHeight(N);
  double col = (right - left) / double(std::max<int64_t>(T, 1));
  double row = (bottom - top) / double(std::max<int64_t>(N, 1));
  // Marks and bars keep a gap between steps while there is room for one.
  double gap = col >= 3 ? 1 : 0;
  // Neuron n's row spans [Y(n + 1), Y(n)]: neuron 0 at the bottom.
  auto Y = [&](double n) { return bottom - n * row; };
  int64_t total = 0, silent = 0, undefined = 0;
  std::string marks;
  // The steps of neuron n where `in` holds, as one path (a run of
  // consecutive steps is one mark) and a list for its tooltip.
  auto steps = [&](int64_t n, const std::vector<bool> &in, std::string &d,
                   std::string &list) {
    std::vector<int64_t> at;
    for (int64_t t = 0; in.size() == r.spikes.size() && t < T; ++t)
      if (in[size_t(t * N + n)])
        at.push_back(t);
    for (size_t i = 0; i < at.size();) {
      size_t j = i + 1;
      while (j < at.size() && at[j] == at[j - 1] + 1)
        ++j;
      double x = left + double(at[i]) * col + gap / 2,
             w = double(j - i) * col - gap;
      d += "M" + fmt("%.2f", x) + " " + fmt("%.2f", Y(double(n + 1))) + "h" +
           fmt("%.2f", w) + "v" + fmt("%.2f", row) + "h" + fmt("%.2f", -w) +
           "z";
      i = j;
    }
    for (size_t i = 0; i < at.size() && i < 40; ++i)
      list += (i ? ", " : "") + std::to_string(at[i]);
    if (at.size() > 40)
      list += ", …";
    return int64_t(at.size());
  };
  for (int64_t n = 0; n < N; ++n) {
    std::string d, list, nanPath, nanList;
    int64_t count = steps(n, r.spikes, d, list);
    // NaN where a spike would be: neither a spike nor silence, in red.
    int64_t nans = steps(n, r.nan, nanPath, nanList);
    if (nans) {
      undefined += nans;
      marks += "<path class=\"nan\" d=\"" + nanPath +
               "\" fill=\"#c00000\"><title>" + escape(r.name) + " neuron " +
               std::to_string(n) + ": NaN at step" + (nans == 1 ? " " : "s ") +
               nanList + "</title></path>\n";
    }
    total += count;
    if (!count) {
      silent += !nans; // (a neuron whose train holds NaN is not silent)
      continue;
    }
    marks += "<path class=\"spikes\" d=\"" + d + "\" fill=\"#1f4e79\"><title>" +
             escape(r.name) + " neuron " + std::to_string(n) + ": " +
             std::to_string(count) + (count == 1 ? " spike" : " spikes") +
             (count == 1 ? ", at step " : ", at steps ") + list +
             "</title></path>\n";
  }
  double rate = T && N ? double(total) / double(T * N) : 0;
  std::string s = "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
                  fmt("%.1f", y0 + 16) +
                  "\" text-anchor=\"middle\" font-weight=\"bold\">" +
                  escape(r.name) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", y0 + 32) + "\" text-anchor=\"middle\">" + std::to_string(N) +
       (N == 1 ? " neuron" : " neurons") + " × " + std::to_string(T) +
       (T == 1 ? " step: " : " steps: ") + std::to_string(total) +
       (total == 1 ? " spike" : " spikes") + ", mean rate " +
       fmt("%.4f", rate) + " spikes/step, " + std::to_string(silent) +
       " silent" +
       (undefined ? ", " + std::to_string(undefined) + " NaN (red)" : "") +
       "</text>\n";
  // The strip: spikes per step, the tallest bar the busiest step.
  double stripTop = bottom + kStripGap, stripBottom = stripTop + kStrip;
  std::vector<int64_t> perStep(size_t(T), 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t n = 0; n < N; ++n)
      perStep[size_t(t)] += r.spikes[size_t(t * N + n)];
  int64_t busiest = T ? *std::max_element(perStep.begin(), perStep.end()) : 0;
  s += "<rect x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", stripTop) +
       "\" width=\"" + fmt("%.1f", right - left) + "\" height=\"" +
       fmt("%.1f", kStrip) + "\" fill=\"none\" stroke=\"#bbb\"/>\n";
  s += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" +
       fmt("%.1f", stripTop + 10) + "\" text-anchor=\"end\">" +
       std::to_string(busiest) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" +
       fmt("%.1f", stripBottom) + "\" text-anchor=\"end\">0</text>\n";
  for (int64_t t = 0; t < T; ++t) {
    int64_t k = perStep[size_t(t)];
    double h = busiest ? kStrip * double(k) / double(busiest) : 0;
    s += "<rect class=\"step-count\" x=\"" +
         fmt("%.2f", left + double(t) * col + gap / 2) + "\" y=\"" +
         fmt("%.2f", stripBottom - h) + "\" width=\"" + fmt("%.2f", col - gap) +
         "\" height=\"" + fmt("%.2f", h) + "\" fill=\"#6b8fb3\"><title>step " +
         std::to_string(t) + ": " + std::to_string(k) +
         (k == 1 ? " spike" : " spikes") + "</title></rect>\n";
  }
  // Neuron ticks (rows' centres) and step ticks (columns' centres).
  std::vector<double> yt = ticks(0, double(std::max<int64_t>(N - 1, 1)));
  for (double v : yt)
    if (v <= double(N - 1) && v == std::floor(v))
      s += "<text x=\"" + fmt("%.1f", left - 6) + "\" y=\"" +
           fmt("%.1f", Y(v + 0.5) + 4) + "\" text-anchor=\"end\">" +
           fmt("%.0f", v) + "</text>\n";
  std::vector<double> xt = ticks(0, double(std::max<int64_t>(T - 1, 1)));
  for (double v : xt)
    if (v <= double(T - 1) && v == std::floor(v))
      s += "<text x=\"" + fmt("%.1f", left + (v + 0.5) * col) + "\" y=\"" +
           fmt("%.1f", stripBottom + 16) + "\" text-anchor=\"middle\">" +
           fmt("%.0f", v) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", stripBottom + 32) +
       "\" text-anchor=\"middle\">time step (below: spikes per step)</text>\n";
  s += "<text x=\"14\" y=\"" + fmt("%.1f", (top + bottom) / 2) +
       "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " +
       fmt("%.1f", (top + bottom) / 2) + ")\">neuron</text>\n";
  s += "<rect x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", top) +
       "\" width=\"" + fmt("%.1f", right - left) + "\" height=\"" +
       fmt("%.1f", bottom - top) + "\" fill=\"#f7f7f7\" stroke=\"#555\"/>\n";
  return s + marks;
}

} // namespace

std::string
mlir::credo::driver::renderRaster(const std::string &title,
                                  const std::vector<SpikeRaster> &rasters) {
  double height = 24;
  for (const SpikeRaster &r : rasters)
    height += kRasterHeading + rasterHeight(r.neurons) + kRasterFooter;
  std::string s = svgStart(title, height);
  double y = 24;
  for (const SpikeRaster &r : rasters) {
    s += raster(y, r);
    y += kRasterHeading + rasterHeight(r.neurons) + kRasterFooter;
  }
  return s + "</svg>\n";
}

namespace {

constexpr double kTraceHeight = 240;

/// One population's traces at y0 across the picture's width.
std::string tracePanel(double y0, const PotentialTrace &p) {
  const int64_t T = p.steps;
  double lo = std::min(0.0, p.threshold), hi = std::max(0.0, p.threshold);
  for (double v : p.potentials)
    if (std::isfinite(v))
      lo = std::min(lo, v), hi = std::max(hi, v);
  std::vector<double> yt = ticks(lo, hi);
  double ylo = yt.front(), yhi = yt.back() > ylo ? yt.back() : ylo + 1;
  double left = 56, right = kWidth - 170, top = y0 + 28,
         bottom = y0 + kTraceHeight - 40;
  auto X = [&](double t) {
    return T > 1 ? left + t / double(T - 1) * (right - left)
                 : (left + right) / 2;
  };
  auto Y = [&](double v) {
    return bottom - (v - ylo) / (yhi - ylo) * (bottom - top);
  };
  std::string s = "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
                  fmt("%.1f", y0 + 16) +
                  "\" text-anchor=\"middle\" font-weight=\"bold\">" +
                  escape(p.name) + ": membrane potential</text>\n";
  s += yGrid(left, right, yt, Y, "%.3g");
  std::vector<double> xt = ticks(0, double(std::max<int64_t>(T - 1, 1)));
  for (double v : xt)
    if (v <= double(T - 1) && v == std::floor(v))
      s += "<text x=\"" + fmt("%.1f", X(v)) + "\" y=\"" +
           fmt("%.1f", bottom + 16) + "\" text-anchor=\"middle\">" +
           fmt("%.0f", v) + "</text>\n";
  s += "<text x=\"" + fmt("%.1f", (left + right) / 2) + "\" y=\"" +
       fmt("%.1f", bottom + 32) +
       "\" text-anchor=\"middle\">time step</text>\n";
  s += axes(left, top, right, bottom);
  s += "<line class=\"threshold\" x1=\"" + fmt("%.1f", left) + "\" x2=\"" +
       fmt("%.1f", right) + "\" y1=\"" + fmt("%.2f", Y(p.threshold)) +
       "\" y2=\"" + fmt("%.2f", Y(p.threshold)) +
       "\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n";
  s += "<text x=\"" + fmt("%.1f", right - 4) + "\" y=\"" +
       fmt("%.1f", Y(p.threshold) - 4) +
       "\" text-anchor=\"end\">θ = " + fmt("%.4g", p.threshold) + "</text>\n";
  double legendY = top + 4;
  for (size_t k = 0; k < p.neurons.size(); ++k) {
    std::string color = kPalette[k % 10];
    std::string dash = k >= 10 ? "\" stroke-dasharray=\"6 3" : "";
    std::string pts, values, dots;
    int64_t count = 0;
    for (int64_t t = 0; t < T; ++t) {
      double v = p.potentials[k * size_t(T) + size_t(t)];
      values += (t ? " " : "") + fmt("%.9g", v);
      if (!std::isfinite(v))
        continue;
      pts += fmt("%.2f", X(double(t))) + "," + fmt("%.2f", Y(v)) + " ";
      if (p.spikes[k * size_t(T) + size_t(t)]) {
        ++count;
        dots += "<circle class=\"spike\" cx=\"" + fmt("%.2f", X(double(t))) +
                "\" cy=\"" + fmt("%.2f", Y(v)) + "\" r=\"3\" fill=\"" + color +
                "\"><title>neuron " + std::to_string(p.neurons[k]) +
                " spikes at step " + std::to_string(t) + " (potential " +
                fmt("%.4g", v) + ")</title></circle>\n";
      }
    }
    std::string label = "neuron " + std::to_string(p.neurons[k]);
    s += "<polyline class=\"potential\" data-neuron=\"" +
         std::to_string(p.neurons[k]) + "\" data-values=\"" + values +
         "\" fill=\"none\" stroke=\"" + color + dash +
         "\" stroke-width=\"1.5\" points=\"" + pts + "\"><title>" + label +
         "</title></polyline>\n" + dots;
    s += "<line x1=\"" + fmt("%.1f", right + 10) + "\" x2=\"" +
         fmt("%.1f", right + 30) + "\" y1=\"" + fmt("%.1f", legendY) +
         "\" y2=\"" + fmt("%.1f", legendY) + "\" stroke=\"" + color + dash +
         "\" stroke-width=\"2\"/>\n";
    s += "<text x=\"" + fmt("%.1f", right + 36) + "\" y=\"" +
         fmt("%.1f", legendY + 4) + "\">" + label + " (" +
         std::to_string(count) + (count == 1 ? " spike)" : " spikes)") +
         "</text>\n";
    legendY += 15;
  }
  return s;
}

} // namespace

std::string
mlir::credo::driver::renderTraces(const std::string &title,
                                  const std::vector<PotentialTrace> &traces) {
  std::string s = svgStart(title, 24 + kTraceHeight * double(traces.size()));
  for (size_t i = 0; i < traces.size(); ++i)
    s += tracePanel(24 + kTraceHeight * double(i), traces[i]);
  return s + "</svg>\n";
}

std::string
mlir::credo::driver::renderReturns(const std::string &title,
                                   const std::vector<double> &returns,
                                   int64_t window) {
  const double w = kWidth, h = kHeight;
  std::string s = svgStart(title);
  if (returns.empty())
    return s + "</svg>\n";
  // Per episode: its return (trainLoss) and the mean of the last `window`
  // (testLoss).
  std::vector<EpochPoint> points;
  double sum = 0;
  for (size_t i = 0; i < returns.size(); ++i) {
    sum += returns[i];
    if (i >= size_t(window))
      sum -= returns[i - size_t(window)];
    double n = double(std::min(i + 1, size_t(window)));
    points.push_back({int64_t(i + 1), returns[i], sum / n, NAN, NAN});
  }
  std::string mean = "mean of the last " + std::to_string(window);
  s += panel(0, 24, w, h - 24, "return per episode",
             {{"episode", "#9ecae1",
               [](const EpochPoint &p) { return p.trainLoss; }, false},
              {mean, "#d62728", [](const EpochPoint &p) { return p.testLoss; },
               false}},
             points, "%.4g", "episode");
  return s + "</svg>\n";
}
