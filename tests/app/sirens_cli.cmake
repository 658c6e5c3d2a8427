# citybrain emergency --sirens on|off and --ev-red-passing on the binary itself: the
# JSON says which, and a bad value is a usage error. Run by ctest as:
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

expect_emergency(0 "\"sirens\":true,\"ev_red_passing\":false" --json)
expect_emergency(0 "\"sirens\":false,\"ev_red_passing\":false" --json --sirens off)
expect_emergency(0 "\"sirens\":true,\"ev_red_passing\":true" --json --sirens on --ev-red-passing)
expect_emergency(0 "sirens off" --sirens off)
expect_emergency(nonzero "sirens" --sirens maybe)
