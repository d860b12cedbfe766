cmake_minimum_required(VERSION 3.20)

# Runs one example against the offline model and checks what the lesson
# promises, from the program's own output.
#
#   cmake -DPROGRAM=<path> -DCHECK=<name> [-DARGS=<arguments>] -P run.cmake
#
# runs PROGRAM (with ARGS, split as a POSIX shell would: quote a path with
# spaces) with OPENAI_BASE_URL, OPENAI_API_KEY and KNOBS_MODEL unset (so
# examples/common.hpp starts the offline model), requires exit status 0, then
# includes <name>.cmake, which inspects `out` (stdout) and `err` (stderr) with
# the helpers below. Any failed expectation fails the test with the output.

# The examples go offline when OPENAI_BASE_URL is unset; a developer's own
# settings must not send the tests to a real server.
unset(ENV{OPENAI_BASE_URL})
unset(ENV{OPENAI_API_KEY})
unset(ENV{KNOBS_MODEL})

separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 120)

set(failures "")

# Records a failure unless the condition (an if() argument list naming
# variables, not values) holds. A function, not a macro, so that a regex's
# escapes are read once; what MATCHES captured reaches the caller.
function(expect message)
  if(NOT (${ARGN}))
    set(failures "${failures}  - ${message}\n" PARENT_SCOPE)
  endif()
  foreach(i RANGE 0 9)
    set(CMAKE_MATCH_${i} "${CMAKE_MATCH_${i}}" PARENT_SCOPE)
  endforeach()
endfunction()

# stdout as text a CMake list can hold: semicolons become commas and square
# brackets parentheses (CMake does not split a list inside brackets).
function(listable var)
  string(REPLACE ";" "," text "${out}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

# The lines of a "=== <header> ===" section, up to the next blank line, as a
# list in `var` (see listable).
function(section header var)
  listable(text)
  string(FIND "${text}" "=== ${header} ===\n" at)
  if(at EQUAL -1)
    set(${var} "" PARENT_SCOPE)
    return()
  endif()
  string(LENGTH "=== ${header} ===\n" skip)
  math(EXPR at "${at} + ${skip}")
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "\n\n" end)
  if(NOT end EQUAL -1)
    string(SUBSTRING "${text}" 0 ${end} text)
  endif()
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(${var} "${lines}" PARENT_SCOPE)
endfunction()

# The answers "1: ...", "2: ", ... of a section, without their numbers, in `var`;
# an answer line with nothing after the number is kept as "<empty>".
function(answers header var)
  section("${header}" lines)
  set(result "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[0-9]+: (.*)$")
      if(CMAKE_MATCH_1 STREQUAL "")
        list(APPEND result "<empty>")
      else()
        list(APPEND result "${CMAKE_MATCH_1}")
      endif()
    elseif(line MATCHES "^[0-9]+:$")
      list(APPEND result "<empty>")
    endif()
  endforeach()
  set(${var} "${result}" PARENT_SCOPE)
endfunction()

# Expects `count` non-empty answers in the section.
macro(expect_answers header count)
  answers("${header}" got)
  list(LENGTH got n)
  expect("section \"=== ${header} ===\" has ${count} answers (found ${n})" n EQUAL ${count})
  expect("every answer in \"=== ${header} ===\" is non-empty" NOT "<empty>" IN_LIST got)
endmacro()

if(NOT status EQUAL 0)
  string(APPEND failures "  - the program exits with 0 (it exited with ${status})\n")
else()
  include("${CMAKE_CURRENT_LIST_DIR}/${CHECK}.cmake")
  # The lesson's method is sound in every example, so knobs' lint has
  # nothing to say about any of them: a warning here is noise a learner
  # would stop reading.
  # (A check that shows the lint at work sets allow_warning, and checks the
  # warning itself.)
  if(NOT allow_warning)
    expect("knobs prints no warning" NOT err MATCHES "knobs: warning")
  endif()
endif()

if(failures)
  message(FATAL_ERROR "${CHECK}: the lesson's promise does not hold:\n${failures}"
                      "--- stdout\n${out}--- stderr\n${err}")
endif()
message(STATUS "${CHECK}: ok\n--- stdout\n${out}")
