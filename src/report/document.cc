#include "report/document.h"

#include <filesystem>
#include <fstream>

#include "report/kpi_chart.h"
#include "report/queue_map.h"
#include "report/svg.h"

namespace cb::report {
namespace {

// Markdown table cells: a '|' would end the cell.
std::string EscapeMarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<ReportFormat> ReportFormatFor(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".md") return ReportFormat::kMarkdown;
  if (ext == ".html") return ReportFormat::kHtml;
  return Status::InvalidInput("--report " + path + ": expected a file name ending in .md or .html");
}

std::string ReportFileSafeName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
    if (!keep) c = '_';
  }
  return out;
}

std::string ReportSvgPath(const std::string& report_path, const std::string& scenario,
                          const std::string& kind) {
  const std::filesystem::path report(report_path);
  const std::string file = report.stem().string() + "-" + ReportFileSafeName(scenario) + "-" + kind + ".svg";
  return (report.parent_path() / file).string();
}

std::string MarkdownReport(const Comparison& comparison, const std::string& report_path) {
  std::string out = "# citybrain: controller comparison\n\n";
  if (!comparison.settings.empty()) AppendF(out, "Settings: %s.\n\n", comparison.settings.c_str());
  out +=
      "Best value in each column in **bold** (lowest travel time, delay index, queue and wall time; "
      "highest throughput and served vehicles).\n";
  for (const ScenarioResults& scenario : comparison.scenarios) {
    AppendF(out, "\n## %s\n\n%s. %s.\n\n", scenario.name.c_str(), scenario.description.c_str(),
            ScenarioFacts(scenario).c_str());
    AppendF(out, "Road network `%s`, demand `%s`.\n\n", scenario.roadnet.c_str(), scenario.flow.c_str());
    out += "| controller |";
    for (const TableColumn& c : TableColumns()) AppendF(out, " %s |", c.header);
    out += "\n|:---|";
    for (std::size_t c = 0; c < TableColumns().size(); ++c) out += "---:|";
    out += '\n';
    const auto table = ComparisonCells(scenario);
    for (std::size_t r = 0; r < table.size(); ++r) {
      AppendF(out, "| %s |", EscapeMarkdownCell(scenario.runs[r].controller).c_str());
      for (const TableCell& cell : table[r])
        AppendF(out, cell.best ? " **%s** |" : " %s |", cell.text.c_str());
      out += '\n';
    }
    if (HasBound(scenario)) AppendF(out, "\nThe %s.\n", kBoundNote);
    const std::string kpis =
        std::filesystem::path(ReportSvgPath(report_path, scenario.name, "kpis")).filename();
    const std::string queues =
        std::filesystem::path(ReportSvgPath(report_path, scenario.name, "queues")).filename();
    AppendF(out, "\n### KPIs over time\n\n![%s: network KPIs over time](%s)\n", scenario.name.c_str(),
            kpis.c_str());
    AppendF(out, "\n### Where queues built up\n\n![%s: mean queue at each signal](%s)\n",
            scenario.name.c_str(), queues.c_str());
  }
  return out;
}

std::string HtmlReport(const Comparison& comparison) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>citybrain: controller comparison</title>\n<style>\n"
      "body{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:1040px;margin:2em auto;padding:0 "
      "1em}\n"
      "table{border-collapse:collapse;margin:1em 0}\n"
      "th,td{padding:5px 12px;border-bottom:1px solid #ddd;text-align:right}\n"
      "th:first-child,td:first-child{text-align:left}\n"
      "td.best{font-weight:bold;background:#e8f4ea}\n"
      "figure{margin:1.5em 0}\nsvg{max-width:100%;height:auto}\ncode{font-size:90%}\n"
      "</style>\n</head>\n<body>\n<h1>citybrain: controller comparison</h1>\n";
  if (!comparison.settings.empty())
    AppendF(out, "<p>Settings: %s.</p>\n", XmlEscape(comparison.settings).c_str());
  out +=
      "<p>Best value in each column highlighted (lowest travel time, delay index, queue and wall time; "
      "highest "
      "throughput and served vehicles).</p>\n";
  for (const ScenarioResults& scenario : comparison.scenarios) {
    AppendF(out, "<h2>%s</h2>\n<p>%s. %s.<br>Road network <code>%s</code>, demand <code>%s</code>.</p>\n",
            XmlEscape(scenario.name).c_str(), XmlEscape(scenario.description).c_str(),
            XmlEscape(ScenarioFacts(scenario)).c_str(), XmlEscape(scenario.roadnet).c_str(),
            XmlEscape(scenario.flow).c_str());
    out += "<table>\n<tr><th>controller</th>";
    for (const TableColumn& c : TableColumns()) AppendF(out, "<th>%s</th>", XmlEscape(c.header).c_str());
    out += "</tr>\n";
    const auto table = ComparisonCells(scenario);
    for (std::size_t r = 0; r < table.size(); ++r) {
      AppendF(out, "<tr><td>%s</td>", XmlEscape(scenario.runs[r].controller).c_str());
      for (const TableCell& cell : table[r]) {
        AppendF(out, cell.best ? "<td class=\"best\">%s</td>" : "<td>%s</td>", cell.text.c_str());
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
    if (HasBound(scenario)) AppendF(out, "<p>The %s.</p>\n", XmlEscape(kBoundNote).c_str());
    out += "<h3>KPIs over time</h3>\n<figure>\n" + KpiChartSvg(scenario) +
           "</figure>\n<h3>Where queues built up</h3>\n<figure>\n" + QueueMapSvg(scenario) + "</figure>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

namespace {

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return Status::IoError(path + ": cannot open for writing");
  file << text;
  file.close();
  if (!file) return Status::IoError(path + ": write failed");
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> WriteReport(const std::string& path, const Comparison& comparison) {
  auto format = ReportFormatFor(path);
  if (!format.ok()) return format.status();
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error)
      return Status::IoError(folder.string() + ": cannot create the report folder: " + error.message());
  }
  std::vector<std::string> written = {path};
  for (const ScenarioResults& scenario : comparison.scenarios) {
    const std::string kpis = ReportSvgPath(path, scenario.name, "kpis");
    CB_RETURN_IF_ERROR(WriteTextFile(kpis, KpiChartSvg(scenario)));
    const std::string queues = ReportSvgPath(path, scenario.name, "queues");
    CB_RETURN_IF_ERROR(WriteTextFile(queues, QueueMapSvg(scenario)));
    written.push_back(kpis);
    written.push_back(queues);
  }
  CB_RETURN_IF_ERROR(WriteTextFile(
      path, *format == ReportFormat::kMarkdown ? MarkdownReport(comparison, path) : HtmlReport(comparison)));
  return written;
}

}  // namespace cb::report
