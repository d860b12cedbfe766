// Pictures for the examples: breaking_point's sweep as a chart in the
// terminal and as an SVG file a browser opens, and top_p_sweep's two levers
// as bars side by side. Plain C++ and plain text; nothing here talks to a
// server.
#ifndef KNOBS_EXAMPLES_CHART_HPP
#define KNOBS_EXAMPLES_CHART_HPP

#include <knobs/distribution.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// What one temperature of a sweep gave: the mean log-probability of the
// picked tokens (none when the server sent no logprobs), and how many of the
// answers differed from each other.
struct sweep_point {
  double temperature = 0.0;
  std::optional<double> mean_logprob;
  int distinct = 0;
  int samples = 0;
};

namespace chart_detail {

inline std::string fixed(double v, int precision) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

// The lowest mean of the sweep, rounded down to a whole number, and never
// above -6: the charts' vertical axis runs from 0 down to it.
inline double axis_bottom(const std::vector<sweep_point>& sweep) {
  double lowest = -6.0;
  for (const sweep_point& p : sweep)
    if (p.mean_logprob)
      lowest = std::min(lowest, std::floor(*p.mean_logprob));
  return std::max(lowest, -20.0);
}

inline std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace chart_detail

// The sweep as a chart of text: one column per temperature, the mean
// log-probability as a '*' in rows half a unit apart, the threshold as a
// dotted line, the number of distinct answers under each column and a '^'
// under the breaking point.
//
//      0 |
//        |   *      *
//   ...
//  -2.30 +.......................... below: a typical token had < 10% chance
inline void draw_sweep(std::ostream& out, const std::vector<sweep_point>& sweep, double threshold,
                       std::optional<double> breaking_point) {
  constexpr int column = 7;
  const double bottom = chart_detail::axis_bottom(sweep);
  const int width = column * static_cast<int>(sweep.size()) + 1;
  out << "\nmean log-probability of the picked tokens, by temperature (higher reads better)\n\n";
  // Each point's row, half a unit apart, on its own side of the threshold.
  auto row_of = [&](double v) {
    double row = std::round(v * 2) / 2;
    if (v >= threshold && row < threshold)
      row += 0.5;
    if (v < threshold && row >= threshold)
      row -= 0.5;
    return std::max(row, bottom);
  };
  bool threshold_drawn = false;
  for (double y = 0.0; y >= bottom - 1e-9; y -= 0.5) {
    if (!threshold_drawn && y < threshold) {
      out << std::setw(9) << chart_detail::fixed(threshold, 2) << " +" << std::string(width, '.')
          << " below: a typical token had < " << chart_detail::fixed(100 * std::exp(threshold), 0)
          << "% chance\n";
      threshold_drawn = true;
    }
    const bool whole = std::abs(y - std::round(y)) < 1e-9;
    out << std::setw(9) << (whole ? chart_detail::fixed(y, 0) : std::string()) << " |";
    std::string line(static_cast<std::size_t>(width), ' ');
    for (std::size_t i = 0; i < sweep.size(); ++i)
      if (sweep[i].mean_logprob && std::abs(row_of(*sweep[i].mean_logprob) - y) < 1e-9)
        line[i * column + column - 2] = '*'; // under the middle of its label
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
  out << std::string(10, ' ') << '+' << std::string(static_cast<std::size_t>(width), '-') << '\n';
  out << "temperature";
  for (const sweep_point& p : sweep)
    out << std::setw(column) << chart_detail::fixed(p.temperature, 1);
  out << "\ndistinct   ";
  for (const sweep_point& p : sweep)
    out << std::setw(column) << (std::to_string(p.distinct) + "/" + std::to_string(p.samples));
  out << "   answers that differ\n";
  if (breaking_point) {
    out << "           ";
    for (const sweep_point& p : sweep)
      out << std::setw(column) << (p.temperature == *breaking_point ? "^ " : "");
    out << "   breaking point\n";
  }
}

// The sweep as an SVG chart: the mean log-probability against temperature
// (left axis), the distinct answers as bars (right axis), the threshold as a
// dashed line and the breaking point marked. Each temperature is one
// <circle class="point">, with its numbers in data- attributes and a tooltip.
inline std::string sweep_svg(const std::vector<sweep_point>& sweep, double threshold,
                             std::optional<double> breaking_point, const std::string& title) {
  constexpr double w = 720, h = 440, left = 80, right = 80, top = 50, bottom_margin = 60;
  const double plot_w = w - left - right, plot_h = h - top - bottom_margin;
  const double y_min = chart_detail::axis_bottom(sweep);
  int samples = 1;
  for (const sweep_point& p : sweep)
    samples = std::max(samples, p.samples);
  // Temperatures 0 to 2, with room at both ends for the bars.
  auto x_of = [&](double t) { return left + plot_w * (t + 0.15) / 2.3; };
  auto y_of = [&](double v) { return top + plot_h * (std::max(v, y_min) / y_min); };
  auto y_count = [&](double n) { return top + plot_h * (1 - n / samples); };
  using chart_detail::fixed;
  std::ostringstream s;
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << ' ' << h << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
    << "<title>" << chart_detail::escape_xml(title) << "</title>\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << w / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">"
    << chart_detail::escape_xml(title) << "</text>\n";
  // The distinct answers, as bars behind the curve.
  for (const sweep_point& p : sweep) {
    const double x = x_of(p.temperature), y = y_count(p.distinct);
    s << "<rect class=\"distinct\" data-temperature=\"" << fixed(p.temperature, 1)
      << "\" data-distinct=\"" << p.distinct << "\" x=\"" << fixed(x - 12, 1) << "\" y=\""
      << fixed(y, 1) << "\" width=\"24\" height=\"" << fixed(top + plot_h - y, 1)
      << "\" fill=\"#f2c48d\" fill-opacity=\"0.6\"/>\n";
  }
  // Axes, ticks and their labels.
  s << "<g stroke=\"black\">\n"
    << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\""
    << top + plot_h << "\"/>\n"
    << "<line x1=\"" << left << "\" y1=\"" << top + plot_h << "\" x2=\"" << left + plot_w
    << "\" y2=\"" << top + plot_h << "\"/>\n"
    << "<line x1=\"" << left + plot_w << "\" y1=\"" << top << "\" x2=\"" << left + plot_w
    << "\" y2=\"" << top + plot_h << "\"/>\n"
    << "</g>\n";
  for (double v = 0; v >= y_min - 1e-9; v -= 1)
    s << "<text class=\"y-tick\" x=\"" << left - 8 << "\" y=\"" << fixed(y_of(v) + 4, 1)
      << "\" text-anchor=\"end\">" << fixed(v, 0) << "</text>\n";
  for (int n = 0; n <= samples; ++n)
    s << "<text class=\"count-tick\" x=\"" << left + plot_w + 8 << "\" y=\""
      << fixed(y_count(n) + 4, 1) << "\">" << n << "</text>\n";
  for (int i = 0; i <= 4; ++i)
    s << "<text class=\"x-tick\" x=\"" << fixed(x_of(i * 0.5), 1) << "\" y=\"" << top + plot_h + 18
      << "\" text-anchor=\"middle\">" << fixed(i * 0.5, 1) << "</text>\n";
  s << "<text class=\"x-label\" x=\"" << left + plot_w / 2 << "\" y=\"" << h - 16
    << "\" text-anchor=\"middle\">temperature</text>\n"
    << "<text class=\"y-label\" transform=\"translate(22 " << top + plot_h / 2
    << ") rotate(-90)\" text-anchor=\"middle\">mean log-probability of the picked tokens</text>\n"
    << "<text class=\"count-label\" transform=\"translate(" << w - 22 << ' ' << top + plot_h / 2
    << ") rotate(90)\" text-anchor=\"middle\">distinct answers (of " << samples << ")</text>\n";
  // The threshold, and the breaking point.
  s << "<line class=\"threshold\" x1=\"" << left << "\" y1=\"" << fixed(y_of(threshold), 1)
    << "\" x2=\"" << left + plot_w << "\" y2=\"" << fixed(y_of(threshold), 1)
    << "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n"
    << "<text x=\"" << left + plot_w - 6 << "\" y=\"" << fixed(y_of(threshold) - 6, 1)
    << "\" text-anchor=\"end\" fill=\"#c0392b\">below: a typical token had &lt; "
    << fixed(100 * std::exp(threshold), 0) << "% chance</text>\n";
  if (breaking_point)
    s << "<line class=\"breaking-point\" x1=\"" << fixed(x_of(*breaking_point), 1) << "\" y1=\""
      << top << "\" x2=\"" << fixed(x_of(*breaking_point), 1) << "\" y2=\"" << top + plot_h
      << "\" stroke=\"#c0392b\"/>\n"
      << "<text x=\"" << fixed(x_of(*breaking_point) - 6, 1) << "\" y=\"" << top + 14
      << "\" text-anchor=\"end\" fill=\"#c0392b\">breaking point: " << fixed(*breaking_point, 1)
      << "</text>\n";
  // The curve and its points.
  s << "<polyline class=\"curve\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" points=\"";
  for (const sweep_point& p : sweep)
    if (p.mean_logprob)
      s << fixed(x_of(p.temperature), 1) << ',' << fixed(y_of(*p.mean_logprob), 1) << ' ';
  s << "\"/>\n";
  for (const sweep_point& p : sweep)
    if (p.mean_logprob)
      s << "<circle class=\"point\" data-temperature=\"" << fixed(p.temperature, 1)
        << "\" data-mean-logprob=\"" << fixed(*p.mean_logprob, 2) << "\" cx=\""
        << fixed(x_of(p.temperature), 1) << "\" cy=\"" << fixed(y_of(*p.mean_logprob), 1)
        << "\" r=\"5\" fill=\"#1f4e79\"><title>temperature " << fixed(p.temperature, 1)
        << ": mean log-probability " << fixed(*p.mean_logprob, 2) << ", " << p.distinct << " of "
        << p.samples << " answers distinct</title></circle>\n";
  s << "</svg>\n";
  return s.str();
}

// One distribution and what knobs made of it, side by side: a row per token
// (the model's likeliest first, at most `rows`), a column per reshaping; each
// cell is the token's share there, in whole percent, with a bar of up to 6
// '#', or "cut" where the knob removed the token.
//
//   token        | model        | top_p 0.3    | temp. 0.5
//   "The"        |   34% ##     |  100% ###### |   54% ###
inline void
draw_side_by_side(std::ostream& out, const knobs::distribution& model,
                  const std::vector<std::pair<std::string, knobs::distribution>>& columns,
                  std::size_t rows) {
  constexpr std::size_t cell = 12;
  auto fit = [&](std::string text) {
    text.resize(cell, ' ');
    return text;
  };
  auto share = [&](double p) {
    std::ostringstream c;
    c << std::setw(4) << std::lround(100 * p) << "% "
      << std::string(static_cast<std::size_t>(std::lround(6 * p)), '#');
    return fit(c.str());
  };
  auto print = [&](std::string line) {
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  std::string head = "  " + fit("token") + " | " + fit("model");
  for (const auto& column : columns)
    head += " | " + fit(column.first);
  print(head);
  for (std::size_t i = 0; i < std::min(rows, model.size()); ++i) {
    std::string token = '"' + model[i].text + '"';
    std::replace(token.begin(), token.end(), '\n', ' ');
    std::string line = "  " + fit(token) + " | " + share(model[i].probability);
    for (const auto& column : columns) {
      const knobs::token* kept = column.second.find(model[i].id);
      line += " | " + (kept ? share(kept->probability) : fit("  cut"));
    }
    print(line);
  }
  if (model.size() > rows)
    out << "  (" << model.size() - rows << " more tokens)\n";
}

// Writes `text` to `path`, or throws naming the file.
inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file)
    throw std::runtime_error("cannot write " + path);
}

#endif
