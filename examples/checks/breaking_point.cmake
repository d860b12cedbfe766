# Challenge 1: the sweep to 2.0, a mean log-probability per temperature that
# falls from 0.0 to 2.0, and a breaking point named from those numbers: the
# first temperature whose mean is below ln(0.1) = -2.30.
set(sweep 0.0 0.7 1.3 1.8 2.0)
set(expected "")
foreach(t IN LISTS sweep)
  expect_answers("temperature = ${t}" 2)
  section("temperature = ${t}" lines)
  set(mean "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^mean logprob: -?([0-9]+)\\.([0-9][0-9]) ")
      # in hundredths, as a positive number (logprobs are <= 0)
      math(EXPR mean "${CMAKE_MATCH_1} * 100 + 1${CMAKE_MATCH_2} - 100")
    endif()
  endforeach()
  expect("a mean logprob for temperature ${t}" mean MATCHES "^[0-9]+$")
  set(mean_${t} "${mean}")
  # -2.30 as printed may be either side of ln(0.1) = -2.3026: then either
  # verdict is right.
  if(NOT expected AND mean AND mean GREATER 229)
    set(expected "${t}")
    if(mean EQUAL 230)
      set(ambiguous ON)
    endif()
  endif()
endforeach()
if(mean_0.0 AND mean_2.0)
  expect("coherence falls: the mean logprob at 2.0 (-${mean_2.0}/100) is below 0.0's (-${mean_0.0}/100)"
         mean_2.0 GREATER mean_0.0)
endif()
expect("it names a breaking point" out MATCHES "\nbreaking point: temperature ([0-9.]+) ")
set(named "${CMAKE_MATCH_1}")
if(NOT ambiguous)
  expect("the breaking point it names (${named}) is the first temperature whose mean is below -2.30 (${expected})"
         named STREQUAL expected)
endif()
