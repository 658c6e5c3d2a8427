# The programs and their plugin (apps/citybrain/programs.h): `citybrain` links
# neither the live service nor Python; `citybrain serve` hands its arguments, --help
# too, to citybrain-serve next to it; a Python controller opens the plugin next to
# it; and when either is missing the message names the file and how to build it.
# Run by ctest as:
#   cmake -DCITYBRAIN=<binary> -DDATA=<data dir> -DWORK=<temp dir> -DPYTHON_PLUGIN=ON|OFF -P programs_cli.cmake
cmake_minimum_required(VERSION 3.20)
set(ROADNET "${DATA}/cityflow/examples/roadnet.json")
set(FLOW "${DATA}/cityflow/examples/flow.json")

function(expect program expected_rc pattern)
  execute_process(COMMAND "${program}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if((expected_rc STREQUAL "nonzero" AND rc EQUAL 0) OR (NOT expected_rc STREQUAL "nonzero" AND NOT rc EQUAL expected_rc))
    message(FATAL_ERROR "${program} ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "${program} ${ARGN}: output does not match '${pattern}':\n${out}\n${err}")
  endif()
endfunction()

# What the command loads at start-up: none of the service's or Python's libraries.
execute_process(COMMAND readelf -d "${CITYBRAIN}" RESULT_VARIABLE rc OUTPUT_VARIABLE dynamic ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${CITYBRAIN}: exit ${rc}\n${err}")
endif()
foreach(library python httplib ssl crypto brotli sqlite)
  if(dynamic MATCHES "NEEDED[^\n]*${library}")
    message(FATAL_ERROR "citybrain needs a ${library} library at start-up:\n${dynamic}")
  endif()
endforeach()
if(NOT dynamic MATCHES "NEEDED[^\n]*libc\\.so")
  message(FATAL_ERROR "readelf -d ${CITYBRAIN} lists no libc: not the expected output\n${dynamic}")
endif()

# serve: its own program, its own help, its own option checks, under the name `citybrain serve`.
expect("${CITYBRAIN}" 0 "Usage: citybrain serve \\[OPTIONS\\].*--http-threads" serve --help)
expect("${CITYBRAIN}" 2 "citybrain serve: give --roadnet and --flow, or --config" serve)
expect("${CITYBRAIN}" nonzero "--speed: expected a positive number" serve --roadnet "${ROADNET}" --flow "${FLOW}"
       --speed fast --port 0)
expect("${CITYBRAIN}" 0 "serve +Run the live City Brain" --help)

# A copy of the command alone in a folder: what it says when its programs are missing.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(COPY "${CITYBRAIN}" DESTINATION "${WORK}")
get_filename_component(name "${CITYBRAIN}" NAME)
set(ALONE "${WORK}/${name}")
expect("${ALONE}" 1 "the live service is the program ${WORK}/citybrain-serve, which is missing; build it"
       serve --roadnet "${ROADNET}" --flow "${FLOW}")
expect("${ALONE}" 0 "\"average_travel_time_s\"" run --roadnet "${ROADNET}" --flow "${FLOW}" --duration 60 --json)
if(PYTHON_PLUGIN)
  expect("${ALONE}" 1 "controller 'python:m:C': Python controllers need the plugin ${WORK}/libcitybrain_python_controller.so, which is missing; build it"
         run --roadnet "${ROADNET}" --flow "${FLOW}" --controller python:m:C)
  file(WRITE "${WORK}/libcitybrain_python_controller.so" "not a shared object")
  expect("${ALONE}" 1 "libcitybrain_python_controller.so, which cannot be opened: .*libcitybrain_python_controller.so"
         run --roadnet "${ROADNET}" --flow "${FLOW}" --controller python:m:C)
else()
  expect("${ALONE}" 1 "built without Python" run --roadnet "${ROADNET}" --flow "${FLOW}" --controller python:m:C)
endif()
