# --brain-routes (and the brain's budgets) on the binary itself: run, compare and serve refuse a value other
# than true or observed before anything runs, and run reports the mode. Run by ctest as:
#   cmake -DCITYBRAIN=<binary> -DDATA=<data dir> -P brain_routes_cli.cmake
cmake_minimum_required(VERSION 3.20)
set(ROADNET "${DATA}/cityflow/examples/roadnet.json")
set(FLOW "${DATA}/cityflow/examples/flow.json")

function(expect expected_rc pattern)
  execute_process(COMMAND "${CITYBRAIN}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if((expected_rc STREQUAL "nonzero" AND rc EQUAL 0) OR (NOT expected_rc STREQUAL "nonzero" AND NOT rc EQUAL expected_rc))
    message(FATAL_ERROR "citybrain ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}\n${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "citybrain ${ARGN}: output does not match '${pattern}':\n${out}\n${err}")
  endif()
endfunction()

expect(nonzero "--brain-routes: guessed not in \\{true,observed\\}"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-routes guessed)
expect(nonzero "--brain-routes: guessed not in"
       compare --controllers brain --scenarios "${ROADNET}:${FLOW}" --brain-routes guessed)
expect(nonzero "--brain-routes: guessed not in" serve --roadnet "${ROADNET}" --flow "${FLOW}" --brain-routes guessed)
expect(0 "\"brain_routes\":\"observed\""
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-routes observed --duration 60 --json)
expect(0 "brain routes: observed"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller fixed --controller-at intersection_1_1=brain
           --brain-routes observed --duration 60 --no-progress)
# The brain's budgets and its city-scale switch (docs/controllers.md, "City scale").
expect(1 "--brain-city-budget must be a finite number > 0"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-city-budget 0)
expect(1 "--brain-plan-budget must be a finite number > 0"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-plan-budget -5)
# With the whole-city budget at nothing: every round at city scale, or (switched
# off) left to the rule.
expect(0 "\"brain_rule_only_rounds\":0,\"brain_local_rounds\":[1-9][0-9]*,"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-plan-budget 1 --duration 60 --json)
expect(0 "\"brain_plan_rounds\":0,\"brain_rule_only_rounds\":[1-9][0-9]*,\"brain_local_rounds\":0,"
       run --roadnet "${ROADNET}" --flow "${FLOW}" --controller brain --brain-plan-budget 1 --no-brain-city-scale
           --duration 60 --json)
