// The `import osm` sub-command: an OpenStreetMap extract in, a scenario citybrain
// runs out (`citybrain run --config DIR/NAME.sumocfg`).
//
//   1. SUMO's netconvert turns FILE.osm into DIR/NAME.net.xml, with the options of
//      SUMO's OpenStreetMap import guide (NetconvertOsmArguments). It runs as a child
//      process from an argument vector (no shell; file names may hold any character),
//      its messages captured. SUMO_HOME is set for it when a SUMO data folder with
//      the OSM type map exists (SUMO_HOME as inherited, else /usr/share/sumo, where
//      Debian's sumo-tools puts it); otherwise it is removed and netconvert uses its
//      built-in type map.
//   2. citybrain reads the network back (roadnet::ParseSumoNet + BuildNetwork) and
//      writes DIR/NAME.rou.xml: random trips between boundary roads
//      (demand/random_trips.h) at --rate vehicles/hour over --duration seconds.
//   3. DIR/NAME.sumocfg names both, with begin 0 and end = duration.
//
// Errors are values: a missing input file, an output folder that cannot be created
// or written, netconvert missing (with how to install it) or failing (its exit code
// and last messages), a network citybrain cannot read, or one without connectable
// boundary roads. Files already written stay; nothing is removed.
// Thread-safe for different output folders (no shared state; it forks a child).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace cb::app {

struct ImportOsmSettings {
  std::string osm_file;  // the OpenStreetMap extract (.osm / .osm.xml)
  std::string out_dir;   // created if missing
  std::string name;      // file stem; empty: the input's name without .osm / .osm.xml
  double rate_veh_per_hour = 600;
  double duration_s = 3600;
  uint64_t seed = 0;
  std::string netconvert = "netconvert";  // program name (searched on PATH) or path
};

struct ImportOsmReport {
  std::string net_file, routes_file, config_file;  // the paths written
  std::string sumo_home;            // SUMO_HOME given to netconvert; empty: its built-in type map
  std::string netconvert_messages;  // what netconvert printed (warnings)
  int junctions = 0;                // intersections that are not boundaries
  int signals = 0;                  // signalised intersections
  int edges = 0;                    // roads (SUMO edges citybrain drives on)
  int entries = 0, exits = 0, connectable_pairs = 0;
  long long trips = 0;
};

// netconvert's arguments after the program name for reading `osm_file` into `net_file`.
std::vector<std::string> NetconvertOsmArguments(const std::string& osm_file, const std::string& net_file);

Result<ImportOsmReport> ImportOsm(const ImportOsmSettings& settings);

// The lines `citybrain import osm` prints after a successful import.
std::string ImportOsmText(const ImportOsmReport& report);

}  // namespace cb::app
