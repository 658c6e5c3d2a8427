// A hand-written SUMO network (.net.xml text) with one unsignalised priority
// junction "C", for the tests of SUMO's right of way (`request`):
//
//                 N
//                 ^
//                 |  CN
//   W <---CW----- C <----EC----- E       major road: from E, straight on to W or
//                 ^   \                  left into CS
//                 |SC  v CS              minor road: from S, straight on to N
//                 S
//
// One lane per edge, 200 m approaches, no internal lanes (the lane links' paths are
// derived). C's links, numbered as SUMO numbers them (incLanes "EC_0 SC_0", then
// each lane's connections in file order): 0 EC->CW straight, 1 EC->CS left,
// 2 SC->CN straight. The minor straight (2) yields to both major links; the major
// left (1) yields to nobody, so at the point where 1 and 2 cross the minor road's
// vehicle gives way, although by turn type (straight over left) it would go first.
// `requests` replaces C's three <request> elements (each line
// `<request index=... .../>`), to test other or malformed right of way.
#pragma once

#include <string>

namespace cb::testing {

inline const char* kPriorityJunctionRequests =
    R"(        <request index="0" response="000" foes="100" cont="0"/>
        <request index="1" response="000" foes="100" cont="0"/>
        <request index="2" response="011" foes="011" cont="0"/>
)";

inline std::string PriorityJunctionNet(const std::string& requests = kPriorityJunctionRequests) {
  return std::string(R"(<?xml version="1.0" encoding="UTF-8"?>
<net version="1.9" junctionCornerDetail="5" limitTurnSpeed="5.50">
    <location netOffset="0.00,0.00" convBoundary="-200.00,-200.00,200.00,200.00" origBoundary="-200.00,-200.00,200.00,200.00" projParameter="!"/>
    <edge id="EC" from="E" to="C" priority="3">
        <lane id="EC_0" index="0" speed="11.11" length="192.00" shape="200.00,1.60 8.00,1.60"/>
    </edge>
    <edge id="CW" from="C" to="W" priority="3">
        <lane id="CW_0" index="0" speed="11.11" length="192.00" shape="-8.00,1.60 -200.00,1.60"/>
    </edge>
    <edge id="CS" from="C" to="S" priority="1">
        <lane id="CS_0" index="0" speed="11.11" length="192.00" shape="-1.60,-8.00 -1.60,-200.00"/>
    </edge>
    <edge id="SC" from="S" to="C" priority="1">
        <lane id="SC_0" index="0" speed="11.11" length="192.00" shape="1.60,-200.00 1.60,-8.00"/>
    </edge>
    <edge id="CN" from="C" to="N" priority="1">
        <lane id="CN_0" index="0" speed="11.11" length="192.00" shape="1.60,8.00 1.60,200.00"/>
    </edge>
    <junction id="E" type="dead_end" x="200.00" y="0.00" incLanes="" intLanes="" shape="200.00,0.00 200.00,3.20"/>
    <junction id="W" type="dead_end" x="-200.00" y="0.00" incLanes="CW_0" intLanes="" shape="-200.00,3.20 -200.00,0.00"/>
    <junction id="S" type="dead_end" x="0.00" y="-200.00" incLanes="CS_0" intLanes="" shape="0.00,-200.00 3.20,-200.00"/>
    <junction id="N" type="dead_end" x="0.00" y="200.00" incLanes="CN_0" intLanes="" shape="3.20,200.00 0.00,200.00"/>
    <junction id="C" type="priority" x="0.00" y="0.00" incLanes="EC_0 SC_0" intLanes="" shape="-8.00,8.00 8.00,8.00 8.00,-8.00 -8.00,-8.00">
)") + requests +
         R"(    </junction>
    <connection from="EC" to="CW" fromLane="0" toLane="0" dir="s" state="M"/>
    <connection from="EC" to="CS" fromLane="0" toLane="0" dir="l" state="M"/>
    <connection from="SC" to="CN" fromLane="0" toLane="0" dir="s" state="m"/>
</net>
)";
}

}  // namespace cb::testing
