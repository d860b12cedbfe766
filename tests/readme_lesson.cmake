# The README's lesson command, examples/lesson.sh, run in a tree of its own:
# the line after "one command builds and runs `temperature`" in README.md must
# be that script; it is run without its package installation (CI installed
# them) and with its build directory moved to BINARY_DIR so that the source
# tree is left alone, and it must build the example with the `lesson` preset
# and print the lesson's three temperatures, offline (without
# OPENAI_BASE_URL, as on a fresh machine).
file(READ "${SOURCE_DIR}/README.md" readme)
string(FIND "${readme}" "one command builds\nand runs `temperature`" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md no longer says which command runs the lesson")
endif()
string(SUBSTRING "${readme}" ${at} -1 readme)
string(FIND "${readme}" "```sh\n" at)
math(EXPR at "${at} + 6")
string(SUBSTRING "${readme}" ${at} -1 readme)
string(FIND "${readme}" "\n" end)
string(SUBSTRING "${readme}" 0 ${end} command)
set(expected "bash examples/lesson.sh")
if(NOT command MATCHES "^bash examples/lesson\\.sh( |$)")
  message(FATAL_ERROR "README.md's lesson command is\n  ${command}\nand this test runs\n  ${expected}\n"
                      "(change both together)")
endif()
# The script's build-and-run part: the packages are there already.
set(command "bash examples/lesson.sh --no-install --build-dir '${BINARY_DIR}'")
file(REMOVE_RECURSE "${BINARY_DIR}")
# Offline, as on a fresh machine: no server of the caller's environment.
execute_process(COMMAND sh -c "unset OPENAI_BASE_URL OPENAI_API_KEY KNOBS_MODEL; ${command}" WORKING_DIRECTORY "${SOURCE_DIR}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the lesson command failed (${rc}):\n${command}\n${out}\n${err}")
endif()
foreach(t "0.0" "0.7" "1.3")
  string(FIND "${out}" "=== temperature = ${t} ===" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "the lesson printed no answers at temperature ${t}:\n${out}")
  endif()
endforeach()
message(STATUS "${out}")
