// The comparison report as a document: Markdown with the pictures as separate SVG
// files, or one self-contained HTML page with them inlined; WriteReport writes it.
//
// Per scenario: its description and facts, the comparison table (comparison.h;
// best values in bold or highlighted, the free-flow bound explained when present),
// the KPIs over time (kpi_chart.h) and where queues built up (queue_map.h).
// Pure functions of their input except WriteReport; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "report/comparison.h"

namespace cb::report {

enum class ReportFormat { kMarkdown, kHtml };
// By the extension of `path`: ".md" or ".html"; anything else is InvalidInput.
Result<ReportFormat> ReportFormatFor(const std::string& path);

// `name` with every character but [A-Za-z0-9_.-] replaced by '_'.
std::string ReportFileSafeName(const std::string& name);
// The path of a scenario's picture next to the report: for "out/report.md",
// scenario "jinan_real" and kind "kpis": "out/report-jinan_real-kpis.svg".
std::string ReportSvgPath(const std::string& report_path, const std::string& scenario,
                          const std::string& kind);

// The Markdown report: the settings, then per scenario its table (best values in
// bold) and the two pictures, referenced by the file names ReportSvgPath gives
// for `report_path` (relative to the report's folder).
std::string MarkdownReport(const Comparison& comparison, const std::string& report_path);
// The same as one self-contained HTML page, the pictures inlined.
std::string HtmlReport(const Comparison& comparison);

// Writes the report to `path` (format by extension, see ReportFormatFor) and the
// two SVG files per scenario next to it ("kpis" and "queues"); creates the
// report's folder if needed. Returns the paths written, report first. IoError
// names the file that failed.
Result<std::vector<std::string>> WriteReport(const std::string& path, const Comparison& comparison);

}  // namespace cb::report
