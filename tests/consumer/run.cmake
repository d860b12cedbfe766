# Builds and runs a tiny program that uses knobs the way a user would.
#   MODE=find_package:     install the build under test (BUILD_DIR) into a fresh
#                          prefix, then find_package(knobs)
#   MODE=add_subdirectory: vendor the source tree with add_subdirectory
# The program is built twice, on knobs::knobs (header-only) and on
# knobs::knobs_compiled; each prints the request it would send and the
# connection_error of sending it to a closed port, and the test checks both.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(consumer_args -DCMAKE_CXX_COMPILER=${CXX} -G "${GENERATOR}")
if(MODE STREQUAL "find_package")
  # Installed from the build that runs this test, as a user installs the
  # build they made: its knobs_compiled is already built.
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
  foreach(installed include/knobs/knobs.hpp include/knobs/src.hpp)
    if(NOT EXISTS "${WORK_DIR}/prefix/${installed}")
      message(FATAL_ERROR "install did not put ${installed} under the prefix")
    endif()
  endforeach()
  file(GLOB_RECURSE library "${WORK_DIR}/prefix/*/libknobs_compiled.a")
  if(NOT library)
    message(FATAL_ERROR "install did not put libknobs_compiled.a under the prefix")
  endif()
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
else()
  list(APPEND consumer_args "-DKNOBS_SOURCE_DIR=${SOURCE_DIR}")
endif()

run(${CMAKE_COMMAND} -S "${CONSUMER}" -B "${WORK_DIR}/consumer-build" ${consumer_args})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-build")
foreach(program consumer_header_only consumer_compiled)
  run("${WORK_DIR}/consumer-build/${program}")
  if(NOT last_output MATCHES "\"temperature\":0.7" OR
     NOT last_output MATCHES "connection_error: the connection to 127.0.0.1:1 failed")
    message(FATAL_ERROR "${program} ran but printed something unexpected:\n${last_output}")
  endif()
  message(STATUS "${program} (${MODE}) built and ran:\n${last_output}")
endforeach()
