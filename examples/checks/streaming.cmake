# Streaming: the pieces printed as they came add up to the folded completion,
# which is non-empty, and there was more than one piece.
expect("a streamed line and a folded line" out MATCHES "streamed: ([^\n]*)\nfolded:   ([^\n]*)\n")
set(streamed "${CMAKE_MATCH_1}")
set(folded "${CMAKE_MATCH_2}")
expect("the folded text is non-empty" folded MATCHES "[^ ]")
expect("the streamed pieces add up to the folded text" streamed STREQUAL folded)
expect("more than one chunk, and a finish_reason"
       out MATCHES "\n([0-9]+) chunks, finish_reason: [a-z_]+")
if(CMAKE_MATCH_1)
  expect("more than one chunk (${CMAKE_MATCH_1})" CMAKE_MATCH_1 GREATER 1)
endif()
