# `mpirun -np N citybrain run ... --controller brain` on the binary itself: the same
# run (state hash, KPIs, rounds) on 1 and 2 ranks, rank 0 alone reporting; another
# command under mpirun runs on rank 0 alone. Run by ctest as:
#   cmake -DCITYBRAIN=<binary> -DMPIEXEC=<mpirun> -DDATA=<data dir> -P mpi_cli.cmake
cmake_minimum_required(VERSION 3.20)
set(ROADNET "${DATA}/cityflow/hangzhou_4x4/roadnet_4_4.json")
set(FLOW "${DATA}/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json")
# Open MPI refuses root unless told (CI runs as root); --oversubscribe: more ranks
# than cores is fine here.
set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)

function(run_on ranks out_var)
  execute_process(COMMAND "${MPIEXEC}" --oversubscribe -np ${ranks} "${CITYBRAIN}" ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mpirun -np ${ranks} citybrain ${ARGN}: exit ${rc}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

set(args run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --duration 150 --json)
run_on(1 one ${args})
run_on(2 two ${args})
# One JSON object: rank 1 printed nothing.
string(REGEX MATCHALL "\"state_hash\"" hashes "${two}")
list(LENGTH hashes count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one report from 2 ranks, got ${count}:\n${two}")
endif()
foreach(key state_hash average_travel_time_s throughput delay_index brain_plan_rounds phase_changes)
  string(JSON a GET "${one}" ${key})
  string(JSON b GET "${two}" ${key})
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "${key}: ${a} on 1 rank, ${b} on 2 ranks")
  endif()
endforeach()
string(JSON ranks GET "${two}" ranks)
string(JSON bytes GET "${two}" brain_rank_bytes)
if(NOT ranks EQUAL 2 OR NOT bytes GREATER 0)
  message(FATAL_ERROR "2 ranks: ranks ${ranks}, bytes ${bytes}:\n${two}")
endif()
string(JSON planned GET "${two}" brain_plan_rounds)
if(NOT planned GREATER 50)
  message(FATAL_ERROR "the brain planned only ${planned} rounds:\n${two}")
endif()

# Other commands run on rank 0 alone (one report, not two).
execute_process(COMMAND "${MPIEXEC}" --oversubscribe -np 2 "${CITYBRAIN}" compare --controllers fixed
                        --scenarios "${ROADNET}:${FLOW}" --duration 60 --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "only `citybrain run` uses the other ranks")
  message(FATAL_ERROR "mpirun compare: exit ${rc}\n${out}\n${err}")
endif()
string(JSON kind TYPE "${out}")
if(NOT kind STREQUAL "OBJECT")
  message(FATAL_ERROR "mpirun compare: expected one JSON object:\n${out}")
endif()
