# Builds the API reference with Doxygen from the Doxyfile CMake configured
# from docs/Doxyfile.in, and fails on any warning: an undocumented public
# declaration, or a comment or README construct Doxygen cannot read. Run by
# the `docs` target and by ctest as `docs`.
if(NOT DOXYGEN)
  message(FATAL_ERROR "doxygen is not installed (apt-get install doxygen): "
                      "cannot build the API reference")
endif()
get_filename_component(dir "${DOXYFILE}" DIRECTORY)
# A fresh tree each time (it takes a second): no page of a removed header stays.
file(REMOVE_RECURSE "${dir}/html")
execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" WORKING_DIRECTORY "${dir}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE warnings)
if(NOT rc EQUAL 0 OR NOT warnings STREQUAL "")
  execute_process(COMMAND "${DOXYGEN}" --version OUTPUT_VARIABLE version
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  message(FATAL_ERROR "doxygen ${version} (exit ${rc}) warns; every public declaration needs a "
                      "/// comment (the reference is checked with Debian 12's doxygen 1.9.4):\n"
                      "${out}${warnings}")
endif()
message(STATUS "API reference: ${dir}/html/index.html")
