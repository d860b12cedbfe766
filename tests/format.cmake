# Checks that every C++ file of include/, examples/ and tests/ is formatted as
# the repository's .clang-format says (clang-format 14), and names those that
# are not. Run by ctest as `format`; fix with `clang-format -i <file>`.
if(NOT CLANG_FORMAT)
  message(FATAL_ERROR "clang-format is not installed (apt-get install clang-format): "
                      "cannot check the format")
endif()
execute_process(COMMAND "${CLANG_FORMAT}" --version OUTPUT_VARIABLE version)
if(NOT version MATCHES "version 14\\.")
  message(FATAL_ERROR "the format is clang-format 14's; ${CLANG_FORMAT} is: ${version}")
endif()
file(GLOB_RECURSE sources
     "${ROOT}/include/*.hpp" "${ROOT}/include/*.ipp"
     "${ROOT}/examples/*.cpp" "${ROOT}/examples/*.hpp"
     "${ROOT}/tests/*.cpp" "${ROOT}/tests/*.hpp")
set(unformatted "")
foreach(file IN LISTS sources)
  execute_process(COMMAND "${CLANG_FORMAT}" --dry-run -Werror "${file}"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(RELATIVE_PATH rel "${ROOT}" "${file}")
    list(APPEND unformatted "${rel}")
  endif()
endforeach()
list(LENGTH sources checked)
if(unformatted)
  list(JOIN unformatted "\n  " listed)
  message(FATAL_ERROR "not formatted as .clang-format says (clang-format -i <file>):\n  ${listed}")
endif()
message(STATUS "${checked} files formatted as .clang-format says")
