#pragma once
// Small inline SVG charts for the HTML report, written by our own code: the
// page must look the same everywhere and offline, and four chart kinds do
// not justify a plotting dependency (gnuplot's SVG would need it installed
// wherever a report is written, and restyling to match the page). Every
// mark carries a <title> with its numbers and unit, so hovering reads them
// and a test can find them in the DOM.

#include <string>
#include <vector>

namespace joulegrid::svg {

struct Axis {
  std::string label;  // with its unit: "efficiency [1/J]"
  bool log = false;
};

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::vector<std::string> notes;  // per point, added to its tooltip (may be empty)
};

struct Chart {
  std::string id;     // the figure's id in the page
  std::string title;  // read by screen readers and shown as the SVG's <title>
  Axis x, y;
};

// Lines with a marker at each point (Eq. 2 per epoch).
std::string line_chart(const Chart& chart, const std::vector<Series>& series);
// Markers only (energy against parameters or FLOPs).
std::string scatter_chart(const Chart& chart, const std::vector<Series>& series);

struct Box {
  std::string category;  // on the x axis
  std::string series;    // colour within a category
  std::vector<double> values;
};
// Median, quartiles, whiskers at 1.5 IQR, outliers as dots; n under each box.
std::string box_chart(const Chart& chart, const std::vector<Box>& boxes);

struct Bar {
  std::string category;
  std::string series;
  double value = 0;
  double low = 0, high = 0;  // an interval to draw; low == high draws none
};
// Grouped bars, one colour per series.
std::string bar_chart(const Chart& chart, const std::vector<Bar>& bars);

std::string escape(const std::string& text);  // for HTML and SVG text
std::string number(double v, int digits = 4);  // "0.01234", "1.2e+05", "n/a"

}  // namespace joulegrid::svg
