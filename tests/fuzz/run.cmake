# Runs one libFuzzer target for a while on a scratch copy of its seed corpus:
#   cmake -DFUZZER=<exe> -DSEEDS=<dir> -DWORK=<dir> [-DDICT=<file>] [-DSECONDS=30] -P run.cmake
# WORK is emptied first, then gets corpus/ (the seeds, grown by the run) and
# artifacts/ (a crashing input, if any). Fails when the fuzzer finds anything.
foreach(var FUZZER SEEDS WORK)
  if(NOT ${var})
    message(FATAL_ERROR "run.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT SECONDS)
  set(SECONDS 30)
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(COPY "${SEEDS}/" DESTINATION "${WORK}/corpus")

set(args -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix=${WORK}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
message(STATUS "${FUZZER} ${args} ${WORK}/corpus")
execute_process(COMMAND "${FUZZER}" ${args} "${WORK}/corpus" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); the input is in ${WORK}/artifacts/")
endif()
