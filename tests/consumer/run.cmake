# Builds and runs a tiny program that uses knobs the way a user would.
#   MODE=package:          package the build under test (BUILD_DIR) as the
#                          Debian package `cpack -G DEB` makes, check its
#                          control fields, unpack it into a scratch root with
#                          `dpkg -x`, then find_package(knobs) there; and build
#                          the README's quick start with
#                          `pkg-config --cflags --libs knobs` against that root
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
if(MODE STREQUAL "package")
  run(cpack -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}/cpack")
  file(GLOB deb "${WORK_DIR}/cpack/libknobs-dev_*_all.deb")
  if(NOT deb)
    message(FATAL_ERROR "cpack made no libknobs-dev_*_all.deb in ${WORK_DIR}/cpack")
  endif()
  run(dpkg-deb --field "${deb}" Package Architecture Depends Version)
  foreach(field "Package: libknobs-dev" "Architecture: all" "Version: ${VERSION}"
          "Depends: libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libssl-dev")
    string(FIND "${last_output}" "${field}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "the package's control fields lack \"${field}\":\n${last_output}")
    endif()
  endforeach()
  set(root "${WORK_DIR}/root")
  run(dpkg -x "${deb}" "${root}")
  foreach(installed include/knobs/knobs.hpp include/knobs/src.hpp share/cmake/knobs/knobs-config.cmake
          share/pkgconfig/knobs.pc)
    if(NOT EXISTS "${root}/usr/${installed}")
      message(FATAL_ERROR "the package did not put /usr/${installed} in place")
    endif()
  endforeach()
  file(GLOB_RECURSE libraries "${root}/*.a" "${root}/*.so")
  if(libraries)
    message(FATAL_ERROR "an architecture-independent package holds compiled code: ${libraries}")
  endif()
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${root}/usr")
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

# pkg-config: the README's quick start, built as a Makefile user would build
# it, against the unpacked package, then run against a closed port of
# 127.0.0.1: it must catch the connection error and say so.
if(MODE STREQUAL "package")
  set(ENV{PKG_CONFIG_PATH} "${root}/usr/share/pkgconfig")
  run(pkg-config --cflags --libs knobs)
  string(STRIP "${last_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  if(NOT flags MATCHES "-I${root}/usr/share/pkgconfig/\\.\\./\\.\\./include")
    message(FATAL_ERROR "pkg-config gave no include directory in the unpacked root: ${flags}")
  endif()
  run(${CXX} -std=c++17 "${SOURCE_DIR}/examples/quickstart.cpp" -o "${WORK_DIR}/quickstart" ${flags})
  set(ENV{OPENAI_BASE_URL} "http://127.0.0.1:1/v1")
  unset(ENV{OPENAI_API_KEY})
  execute_process(COMMAND "${WORK_DIR}/quickstart" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 1 OR NOT out MATCHES "^error: .*127\\.0\\.0\\.1:1")
    message(FATAL_ERROR "the quick start built with pkg-config exited with ${rc}:\n${out}")
  endif()
  message(STATUS "the quick start, built with pkg-config --cflags --libs knobs, ran:\n${out}")
endif()
