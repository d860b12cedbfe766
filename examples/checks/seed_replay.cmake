# seed --record FILE, then seed --replay FILE: the recorded run keeps the
# lesson's promise (seed.cmake), and the replayed one, with no model started,
# prints the same three lines.
include("${CMAKE_CURRENT_LIST_DIR}/seed.cmake")

string(REGEX MATCH "^--record '(.*)'$" recording "${ARGS}")
set(file "${CMAKE_MATCH_1}")
expect("the run recorded to a cassette file (ARGS: ${ARGS})" EXISTS "${file}")
file(STRINGS "${file}" exchanges)
list(LENGTH exchanges n)
expect("the cassette holds the three exchanges (found ${n})" n EQUAL 3)

execute_process(COMMAND "${PROGRAM}" --replay "${file}" RESULT_VARIABLE replay_status
                OUTPUT_VARIABLE replay_out ERROR_VARIABLE replay_err TIMEOUT 120)
expect("the replay exits with 0 (it exited with ${replay_status}; stderr: ${replay_err})"
       replay_status EQUAL 0)
expect("the replay prints the recorded run's lines (it printed: ${replay_out})"
       replay_out STREQUAL out)
expect("the replay starts no model (stderr: ${replay_err})"
       NOT replay_err MATCHES "knobs-offline-ngram")
expect("the replay says it replays" replay_err MATCHES "knobs: replaying ")

execute_process(COMMAND "${PROGRAM}" --bogus RESULT_VARIABLE bogus_status OUTPUT_QUIET
                ERROR_VARIABLE bogus_err TIMEOUT 60)
expect("an unknown argument exits with 2 (it exited with ${bogus_status})" bogus_status EQUAL 2)
expect("an unknown argument prints the usage" bogus_err MATCHES "usage: seed")
