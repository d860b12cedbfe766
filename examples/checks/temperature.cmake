# temperature.py: three temperatures, two samples each; at 0.0 the two samples
# are identical (greedy decoding is deterministic).
foreach(t 0.0 0.7 1.3)
  expect_answers("temperature = ${t}" 2)
endforeach()
answers("temperature = 0.0" cold)
list(GET cold 0 first)
list(GET cold 1 second)
expect("at temperature 0.0 the two samples are identical" first STREQUAL second)
