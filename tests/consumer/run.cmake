# Builds and runs a tiny program that uses knobs the way a user would.
#   MODE=find_package:     install knobs into a fresh prefix, then find_package(knobs)
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
  run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/knobs-build" -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX} -DKNOBS_BUILD_TESTS=OFF -DKNOBS_BUILD_EXAMPLES=OFF
      -DKNOBS_INSTALL=ON "-DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/knobs-build")
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/knobs-build")
  if(NOT EXISTS "${WORK_DIR}/prefix/include/knobs/knobs.hpp")
    message(FATAL_ERROR "install did not put knobs/knobs.hpp under the prefix")
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
