#include "io/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace joulegrid::svg {

namespace {

constexpr double kWidth = 720, kHeight = 380;
constexpr double kLeft = 78, kRight = 170, kTop = 34, kBottom = 58;  // the legend sits on the right
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// Colour-blind-safe (Okabe–Ito).
const char* colour(size_t i) {
  static const char* palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
                                  "#000000"};
  return palette[i % 8];
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A value range mapped to pixels, linear or log10.
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double from = 0, to = 1;  // pixels

  double operator()(double v) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double x = log ? std::log10(v) : v;
    return b == a ? (from + to) / 2 : from + (x - a) / (b - a) * (to - from);
  }
};

// Round tick values covering [lo, hi]: 1-2-5 steps, or powers of ten on a log axis.
std::vector<double> ticks(double& lo, double& hi, bool log) {
  std::vector<double> out;
  if (log) {
    lo = std::pow(10, std::floor(std::log10(lo)));
    hi = std::pow(10, std::ceil(std::log10(hi)));
    if (hi <= lo) hi = lo * 10;
    for (double t = lo; t <= hi * 1.0001; t *= 10) out.push_back(t);
    return out;
  }
  // Values that agree to a few parts in a million (a utilisation held at
  // 37 %) are one value: a step below the doubles' resolution would never
  // advance. The axis is then padded around it.
  if (hi - lo <= 1e-6 * std::max(std::abs(lo), std::abs(hi))) {
    const double mid = (lo + hi) / 2;
    const double pad = mid == 0 ? 1 : std::abs(mid) * 0.1;
    lo = mid - pad;
    hi = mid + pad;
  }
  const double raw = (hi - lo) / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const long n = std::lround((hi - lo) / step);  // about five; never more than a dozen
  for (long i = 0; i <= n; ++i) {
    const double t = lo + static_cast<double>(i) * step;
    out.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return out;
}

void range_of(const std::vector<double>& v, bool log, double& lo, double& hi) {
  for (double x : v)
    if (std::isfinite(x) && (!log || x > 0)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
}

std::string open_svg(const Chart& c) {
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"" << escape(c.id) << "\" viewBox=\"0 0 "
    << kWidth << ' ' << kHeight << "\" width=\"" << kWidth << "\" height=\"" << kHeight << "\" role=\"img\" aria-label=\""
    << escape(c.title) << "\"><title>" << escape(c.title) << "</title>"
    << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kPlotW << "\" height=\"" << kPlotH
    << "\" class=\"plot\"/>";
  return s.str();
}

std::string no_data(std::ostringstream& out) {
  return out.str() + "<text x=\"" + fixed(kLeft + 20) + "\" y=\"" + fixed(kTop + 30) + "\" class=\"empty\">no data</text></svg>";
}

std::string y_axis(const Chart& c, const Scale& y, const std::vector<double>& ts) {
  std::ostringstream s;
  for (double t : ts) {
    const double py = y(t);
    s << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + kPlotW << "\" y1=\"" << fixed(py) << "\" y2=\"" << fixed(py)
      << "\" class=\"grid\"/><text x=\"" << kLeft - 6 << "\" y=\"" << fixed(py + 4)
      << "\" class=\"tick\" text-anchor=\"end\">" << number(t, 3) << "</text>";
  }
  s << "<text class=\"axis\" transform=\"translate(16," << fixed(kTop + kPlotH / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << escape(c.y.label) << "</text>";
  return s.str();
}

std::string x_label(const Chart& c) {
  return "<text class=\"axis\" x=\"" + fixed(kLeft + kPlotW / 2) + "\" y=\"" + fixed(kHeight - 10) +
         "\" text-anchor=\"middle\">" + escape(c.x.label) + "</text>";
}

std::string legend(const std::vector<std::string>& names) {
  std::ostringstream s;
  for (size_t i = 0; i < names.size() && i < 16; ++i) {
    const double y = kTop + 8 + 18.0 * static_cast<double>(i);
    s << "<rect x=\"" << kLeft + kPlotW + 14 << "\" y=\"" << fixed(y - 9) << "\" width=\"12\" height=\"12\" fill=\""
      << colour(i) << "\"/><text class=\"legend\" x=\"" << kLeft + kPlotW + 32 << "\" y=\"" << fixed(y + 1) << "\">"
      << escape(names[i]) << "</text>";
  }
  if (names.size() > 16)
    s << "<text class=\"legend\" x=\"" << kLeft + kPlotW + 14 << "\" y=\"" << fixed(kTop + 8 + 18.0 * 16) << "\">+"
      << names.size() - 16 << " more</text>";
  return s.str();
}

std::string xy_chart(const Chart& c, const std::vector<Series>& series, bool lines) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : series) {
    range_of(s.x, c.x.log, xlo, xhi);
    range_of(s.y, c.y.log, ylo, yhi);
  }
  std::ostringstream out;
  out << open_svg(c);
  if (!std::isfinite(xlo) || !std::isfinite(ylo)) return no_data(out);
  if (!c.y.log) ylo = std::min(ylo, 0.0);
  const auto xt = ticks(xlo, xhi, c.x.log), yt = ticks(ylo, yhi, c.y.log);
  const Scale x{xlo, xhi, c.x.log, kLeft, kLeft + kPlotW}, y{ylo, yhi, c.y.log, kTop + kPlotH, kTop};
  out << y_axis(c, y, yt);
  for (double t : xt)
    out << "<text x=\"" << fixed(x(t)) << "\" y=\"" << kTop + kPlotH + 16 << "\" class=\"tick\" text-anchor=\"middle\">"
        << number(t, 3) << "</text>";
  out << x_label(c);
  std::vector<std::string> names;
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    names.push_back(s.name);
    out << "<g class=\"series\" data-series=\"" << escape(s.name) << "\">";
    if (lines) {
      std::string points;
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
        if (std::isfinite(s.y[k])) points += fixed(x(s.x[k])) + "," + fixed(y(s.y[k])) + " ";
      out << "<polyline fill=\"none\" stroke=\"" << colour(i) << "\" stroke-width=\"1.6\" points=\"" << points << "\"/>";
    }
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k]) || (c.x.log && s.x[k] <= 0) || (c.y.log && s.y[k] <= 0))
        continue;
      out << "<circle cx=\"" << fixed(x(s.x[k])) << "\" cy=\"" << fixed(y(s.y[k])) << "\" r=\"" << (lines ? 2.6 : 3.4)
          << "\" fill=\"" << colour(i) << "\" data-x=\"" << s.x[k] << "\" data-y=\"" << s.y[k] << "\"><title>"
          << escape(s.name) << ": " << escape(c.x.label) << " " << number(s.x[k]) << ", " << escape(c.y.label) << " "
          << number(s.y[k]) << (k < s.notes.size() && !s.notes[k].empty() ? " (" + escape(s.notes[k]) + ")" : "")
          << "</title></circle>";
    }
    out << "</g>";
  }
  out << legend(names) << "</svg>";
  return out.str();
}

// Categories in order of first appearance, and series likewise.
template <class T>
std::pair<std::vector<std::string>, std::vector<std::string>> categories_and_series(const std::vector<T>& items) {
  std::vector<std::string> cats, series;
  for (const auto& b : items) {
    if (std::find(cats.begin(), cats.end(), b.category) == cats.end()) cats.push_back(b.category);
    if (std::find(series.begin(), series.end(), b.series) == series.end()) series.push_back(b.series);
  }
  return {cats, series};
}

size_t index_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

std::string category_labels(const std::vector<std::string>& cats);

// The frame of a chart with categories on x: the y axis over [lo, hi], the
// category labels, and where each series' mark of a category is centred.
struct CategoryFrame {
  Scale y;
  double category_w = 0, mark_w = 0;
  size_t series = 1;

  double centre(size_t category, size_t s, double spacing) const {
    return kLeft + category_w * static_cast<double>(category) + category_w / 2 +
           (static_cast<double>(s) - (static_cast<double>(series) - 1) / 2) * mark_w * spacing;
  }
};

CategoryFrame category_frame(const Chart& c, const std::vector<std::string>& cats, size_t series, double lo,
                             double hi, double widest_mark, std::ostringstream& out) {
  const auto yt = ticks(lo, hi, false);
  CategoryFrame f;
  f.y = Scale{lo, hi, false, kTop + kPlotH, kTop};
  out << y_axis(c, f.y, yt) << category_labels(cats) << x_label(c);
  f.series = std::max<size_t>(1, series);
  f.category_w = kPlotW / static_cast<double>(std::max<size_t>(1, cats.size()));
  f.mark_w = std::min(widest_mark, f.category_w * 0.8 / static_cast<double>(f.series));
  return f;
}

std::string category_labels(const std::vector<std::string>& cats) {
  std::ostringstream s;
  const double w = kPlotW / static_cast<double>(std::max<size_t>(1, cats.size()));
  for (size_t i = 0; i < cats.size(); ++i)
    s << "<text x=\"" << fixed(kLeft + w * (static_cast<double>(i) + 0.5)) << "\" y=\"" << kTop + kPlotH + 16
      << "\" class=\"tick\" text-anchor=\"middle\">" << escape(cats[i]) << "</text>";
  return s.str();
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string number(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string line_chart(const Chart& chart, const std::vector<Series>& series) { return xy_chart(chart, series, true); }
std::string scatter_chart(const Chart& chart, const std::vector<Series>& series) {
  return xy_chart(chart, series, false);
}

std::string box_chart(const Chart& c, const std::vector<Box>& boxes) {
  const auto [cats, series] = categories_and_series(boxes);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& b : boxes) range_of(b.values, false, lo, hi);
  std::ostringstream out;
  out << open_svg(c);
  if (!std::isfinite(lo)) return no_data(out);
  const CategoryFrame frame = category_frame(c, cats, series.size(), std::min(lo, 0.0), hi, 36.0, out);
  const Scale& y = frame.y;
  const double box_w = frame.mark_w;
  for (const auto& b : boxes) {
    std::vector<double> v;
    for (double x : b.values)
      if (std::isfinite(x)) v.push_back(x);
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    auto q = [&](double p) {
      const double at = p * static_cast<double>(v.size() - 1);
      const size_t i = static_cast<size_t>(at);
      return v[i] + (v[std::min(i + 1, v.size() - 1)] - v[i]) * (at - static_cast<double>(i));
    };
    const double q1 = q(0.25), med = q(0.5), q3 = q(0.75), iqr = q3 - q1;
    double wlo = med, whi = med;
    for (double x : v) {
      if (x >= q1 - 1.5 * iqr) wlo = std::min(wlo, x);
      if (x <= q3 + 1.5 * iqr) whi = std::max(whi, x);
    }
    const size_t ci = index_of(cats, b.category), si = index_of(series, b.series);
    const double cx = frame.centre(ci, si, 1.15);
    const std::string tip = escape(b.series + ", " + b.category) + ": median " + number(med) + ", quartiles " +
                            number(q1) + "–" + number(q3) + ", n = " + std::to_string(v.size()) + " " + escape(c.y.label);
    out << "<g class=\"box\" data-series=\"" << escape(b.series) << "\" data-category=\"" << escape(b.category)
        << "\" data-median=\"" << med << "\" data-n=\"" << v.size() << "\"><title>" << tip << "</title>"
        << "<line x1=\"" << fixed(cx) << "\" x2=\"" << fixed(cx) << "\" y1=\"" << fixed(y(wlo)) << "\" y2=\""
        << fixed(y(whi)) << "\" stroke=\"#333\"/>"
        << "<rect x=\"" << fixed(cx - box_w / 2) << "\" y=\"" << fixed(y(q3)) << "\" width=\"" << fixed(box_w)
        << "\" height=\"" << fixed(std::max(1.0, y(q1) - y(q3))) << "\" fill=\"" << colour(si)
        << "\" fill-opacity=\"0.55\" stroke=\"#333\"/>"
        << "<line x1=\"" << fixed(cx - box_w / 2) << "\" x2=\"" << fixed(cx + box_w / 2) << "\" y1=\"" << fixed(y(med))
        << "\" y2=\"" << fixed(y(med)) << "\" stroke=\"#000\" stroke-width=\"2\"/>";
    for (double x : v)
      if (x < wlo || x > whi)
        out << "<circle cx=\"" << fixed(cx) << "\" cy=\"" << fixed(y(x)) << "\" r=\"2.2\" fill=\"#333\"/>";
    out << "<text x=\"" << fixed(cx) << "\" y=\"" << kTop + kPlotH + 30 << "\" class=\"n\" text-anchor=\"middle\">n="
        << v.size() << "</text></g>";
  }
  out << legend(series) << "</svg>";
  return out.str();
}

std::string bar_chart(const Chart& c, const std::vector<Bar>& bars) {
  const auto [cats, series] = categories_and_series(bars);
  double lo = 0, hi = -INFINITY;
  for (const auto& b : bars) {
    if (std::isfinite(b.value)) hi = std::max(hi, b.value);
    if (std::isfinite(b.high) && b.high > b.low) hi = std::max(hi, b.high);
  }
  std::ostringstream out;
  out << open_svg(c);
  if (!std::isfinite(hi)) return no_data(out);
  const CategoryFrame frame = category_frame(c, cats, series.size(), lo, hi, 48.0, out);
  const Scale& y = frame.y;
  const double bar_w = frame.mark_w;
  for (const auto& b : bars) {
    if (!std::isfinite(b.value)) continue;
    const size_t ci = index_of(cats, b.category), si = index_of(series, b.series);
    const double cx = frame.centre(ci, si, 1.0);
    const bool interval = std::isfinite(b.low) && std::isfinite(b.high) && b.high > b.low;
    out << "<g class=\"bar\" data-series=\"" << escape(b.series) << "\" data-category=\"" << escape(b.category)
        << "\" data-value=\"" << b.value << "\"><title>" << escape(b.series + ", " + b.category) << ": "
        << number(b.value) << " " << escape(c.y.label)
        << (interval ? " (95 % interval " + number(b.low) + "–" + number(b.high) + ")" : "") << "</title>"
        << "<rect x=\"" << fixed(cx - bar_w / 2 + 1) << "\" y=\"" << fixed(y(b.value)) << "\" width=\""
        << fixed(bar_w - 2) << "\" height=\"" << fixed(std::max(0.0, y(0) - y(b.value))) << "\" fill=\"" << colour(si)
        << "\"/>";
    if (interval)
      out << "<line x1=\"" << fixed(cx) << "\" x2=\"" << fixed(cx) << "\" y1=\"" << fixed(y(b.low)) << "\" y2=\""
          << fixed(y(b.high)) << "\" stroke=\"#000\" stroke-width=\"1.4\"/>";
    out << "</g>";
  }
  out << legend(series) << "</svg>";
  return out.str();
}

}  // namespace joulegrid::svg
