# The --max-vehicles and --duration flags on the binary itself, with a hand-made
# flow file in a temp dir. Run by ctest as:
#   cmake -DCITYBRAIN=<binary> -DDATA=<data dir> -DWORK=<temp dir> -P max_vehicles_cli.cmake
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
# One flow of 10 vehicles a second on the bundled example network: 1 + 3599 * 10 =
# 35991 vehicles in the default hour.
file(WRITE "${WORK}/flow.json" [=[
[{"vehicle": {"length": 5, "width": 2, "maxPosAcc": 2, "maxNegAcc": 4.5, "usualPosAcc": 2,
              "usualNegAcc": 4.5, "minGap": 2.5, "maxSpeed": 16.67, "headwayTime": 1.5},
  "route": ["road_0_1_0", "road_1_1_0"], "interval": 0.1, "startTime": 0, "endTime": -1}]
]=])
set(ROADNET "${DATA}/cityflow/examples/roadnet.json")

function(expect_run expected_rc pattern)
  execute_process(COMMAND "${CITYBRAIN}" run --roadnet "${ROADNET}" --flow "${WORK}/flow.json" --no-progress
                          ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if((expected_rc STREQUAL "nonzero" AND rc EQUAL 0) OR (NOT expected_rc STREQUAL "nonzero" AND NOT rc EQUAL expected_rc))
    message(FATAL_ERROR "citybrain run ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "citybrain run ${ARGN}: output does not match '${pattern}':\n${out}\n${err}")
  endif()
endfunction()

expect_run(1 "would create 35991 vehicles in 3600 simulated s.*the limit is 35990 vehicles.*--max-vehicles"
           --max-vehicles 35990)
expect_run(0 "\"vehicles_released\":35991," --max-vehicles 35991 --json)
expect_run(1 "--max-vehicles 0 is out of range" --max-vehicles 0)
expect_run(1 "--duration 1e\\+15 is out of range" --duration 1e15)
# A bad value of the option itself is a usage error (CLI11), not a crash.
expect_run(nonzero "max-vehicles" --max-vehicles lots)
file(REMOVE_RECURSE "${WORK}")
