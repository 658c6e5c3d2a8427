#include "demand/sumo_config.h"

#include <array>
#include <filesystem>

#include "base/json_input.h"  // ReadFile
#include "base/physical_range.h"
#include "demand/sumo_xml.h"

namespace cb::demand {
namespace {

using sumo_xml::Document;
using sumo_xml::Quote;

// An option's SUMO name and the synonyms SUMO accepts for it.
struct Option {
  const char* name;
  std::array<const char*, 2> synonyms;
};
constexpr Option kNetFile{"net-file", {"net", "n"}};
constexpr Option kRouteFiles{"route-files", {"routes", "r"}};
constexpr Option kAdditionalFiles{"additional-files", {"additional", "a"}};
constexpr Option kBegin{"begin", {"b", "b"}};
constexpr Option kEnd{"end", {"e", "e"}};
constexpr Option kStepLength{"step-length", {"step-length", "step-length"}};

bool Names(const Option& option, std::string_view name) {
  return name == option.name || name == option.synonyms[0] || name == option.synonyms[1];
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

class ConfigReader {
 public:
  ConfigReader(const Document& doc, const std::string& path) : doc_(doc), path_(path) {}

  Result<SumoConfig> Read() {
    const pugi::xml_node root = doc_.root();
    const std::string root_name = root.name();
    if (root_name != "configuration" && root_name != "sumoConfiguration") {
      return Status::InvalidInput(doc_.Where(root) + ": root element <" + root_name +
                                  ">, expected <configuration> (a SUMO .sumocfg)");
    }
    // Options sit directly under the root or one level down, in sections.
    for (pugi::xml_node node : root.children()) {
      if (node.type() != pugi::node_element) continue;
      if (node.attribute("value")) {
        CB_RETURN_IF_ERROR(Take(node));
        continue;
      }
      for (pugi::xml_node option : node.children()) {
        if (option.type() == pugi::node_element) CB_RETURN_IF_ERROR(Take(option));
      }
    }
    SumoConfig config;
    config.path = path_;
    if (!net_) {
      return Status::InvalidInput(doc_.Where(root) +
                                  ": no net-file, expected <net-file value=\"<name>.net.xml\"/> in <input>");
    }
    if (!routes_) {
      return Status::InvalidInput(doc_.Where(root) +
                                  ": no route-files, expected <route-files value=\"<name>.rou.xml\"/> in "
                                  "<input> (citybrain reads its demand from them)");
    }
    Result<std::vector<std::string>> net = Files(net_);
    if (!net.ok()) return net.status();
    if (net->size() != 1) {
      return Status::InvalidInput(doc_.Where(net_) + ": net-file names " + std::to_string(net->size()) +
                                  " files, expected one network file");
    }
    config.net_file = (*net)[0];
    Result<std::vector<std::string>> routes = Files(routes_);
    if (!routes.ok()) return routes.status();
    config.route_files = std::move(*routes);
    if (additional_) {
      Result<std::vector<std::string>> additional = Files(additional_);
      if (!additional.ok()) return additional.status();
      config.additional_files = std::move(*additional);
    }
    if (begin_) {
      Result<double> begin = Time(begin_);
      if (!begin.ok()) return begin.status();
      if (*begin < 0) {
        return Status::InvalidInput(doc_.Where(begin_) + ": begin " +
                                    Quote(begin_.attribute("value").value()) +
                                    " is negative, expected a time >= 0");
      }
      config.begin_s = *begin;
    }
    if (end_) {
      Result<double> end = Time(end_);
      if (!end.ok()) return end.status();
      if (*end >= 0) {
        if (*end < config.begin_s) {
          return Status::InvalidInput(doc_.Where(end_) + ": end " + Quote(end_.attribute("value").value()) +
                                      " is before begin " + FormatNumber(config.begin_s) +
                                      " s, expected end >= begin (or -1 for no end)");
        }
        config.end_s = *end;
      }
    }
    if (step_) {
      Result<double> step = Time(step_);
      if (!step.ok()) return step.status();
      if (!(*step > 0)) {
        return Status::InvalidInput(doc_.Where(step_) + ": step-length " +
                                    Quote(step_.attribute("value").value()) +
                                    " is not positive, expected a step in seconds > 0");
      }
      config.step_length_s = *step;
    }
    return config;
  }

 private:
  Status Take(const pugi::xml_node& node) {
    const std::string_view name = node.name();
    pugi::xml_node* slot = nullptr;
    const Option* option = nullptr;
    for (auto [o, s] : {std::pair{&kNetFile, &net_}, std::pair{&kRouteFiles, &routes_},
                        std::pair{&kAdditionalFiles, &additional_}, std::pair{&kBegin, &begin_},
                        std::pair{&kEnd, &end_}, std::pair{&kStepLength, &step_}}) {
      if (Names(*o, name)) {
        option = o;
        slot = s;
      }
    }
    if (slot == nullptr) return Status::Ok();  // an option citybrain does not use
    if (*slot) {
      return Status::InvalidInput(doc_.Where(node) + ": " + option->name + " given twice (also at line " +
                                  std::to_string(doc_.Line(*slot)) + "), expected it once");
    }
    if (!node.attribute("value")) {
      return Status::InvalidInput(doc_.Where(node) + ": <" + std::string(name) +
                                  "> has no value, expected value=\"...\"");
    }
    *slot = node;
    return Status::Ok();
  }

  Result<std::vector<std::string>> Files(const pugi::xml_node& node) const {
    const std::string_view value = node.attribute("value").value();
    std::vector<std::string> files;
    const std::filesystem::path folder = std::filesystem::path(path_).parent_path();
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = value.find(',', start);
      const std::string_view name =
          Trim(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (name.empty()) {
        return Status::InvalidInput(doc_.Where(node) + ": <" + node.name() + "> value " + Quote(value) +
                                    " has an empty file name, expected file names separated by ','");
      }
      const std::filesystem::path file(name);
      files.push_back(file.is_absolute() ? file.string() : (folder / file).lexically_normal().string());
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return files;
  }

  Result<double> Time(const pugi::xml_node& node) const {
    const char* value = node.attribute("value").value();
    std::optional<double> t = sumo_xml::ParseTime(value);
    if (!t) {
      return Status::InvalidInput(doc_.Where(node) + ": <" + node.name() + "> value " + Quote(value) +
                                  " is not a time, expected seconds (e.g. 25200) or h:m:s");
    }
    return *t;
  }

  const Document& doc_;
  const std::string& path_;
  pugi::xml_node net_, routes_, additional_, begin_, end_, step_;
};

}  // namespace

Result<SumoConfig> ParseSumoConfig(std::string_view xml, const std::string& path) {
  Result<Document> doc = Document::Parse(xml, path);
  if (!doc.ok()) return doc.status();
  return ConfigReader(*doc, path).Read();
}

Result<SumoConfig> LoadSumoConfig(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseSumoConfig(*text, path);
}

}  // namespace cb::demand
