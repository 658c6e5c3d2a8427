# citybrain emergency's three runs (plain, sirens, priority) and --ev-red-passing on
# the binary itself: the JSON and the text say which, and a bad flag is a usage error. Run by ctest as:
#   cmake -DCITYBRAIN=<binary> -DDATA=<data dir> -P sirens_cli.cmake
cmake_minimum_required(VERSION 3.20)
set(ARGS --roadnet "${DATA}/cityflow/hangzhou_4x4/roadnet_4_4.json"
         --flow "${DATA}/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json"
         --controller fixed --duration 700 --dispatches 2 --seed 1)

function(expect_emergency expected_rc pattern)
  execute_process(COMMAND "${CITYBRAIN}" emergency ${ARGS} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if((expected_rc STREQUAL "nonzero" AND rc EQUAL 0) OR (NOT expected_rc STREQUAL "nonzero" AND NOT rc EQUAL expected_rc))
    message(FATAL_ERROR "citybrain emergency ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "citybrain emergency ${ARGN}: output does not match '${pattern}':\n${out}\n${err}")
  endif()
endfunction()

expect_emergency(0 "\"modes\":\\[\"plain\",\"sirens\",\"priority\"\\].*\"dispatches\":2,\"ev_red_passing\":false.*\"ev_arrived_plain\":2,\"ev_arrived_sirens\":2,\"ev_arrived_priority\":2" --json)
expect_emergency(0 "\"ev_red_passing\":true" --json --ev-red-passing)
expect_emergency(0 "EVs may cross red at walking speed" --ev-red-passing)
expect_emergency(0 "median EV time / free-flow time" )
expect_emergency(nonzero "sirens" --sirens off)
