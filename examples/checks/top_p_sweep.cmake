# Challenge 2: three top_p sections at temperature 1.0, and knobs' warning
# about setting temperature and top_p together on stderr.
foreach(p 0.3 0.7 1.0)
  expect_answers("top_p = ${p} (temperature = 1.0)" 2)
endforeach()
expect("the temperature_and_top_p warning is on stderr"
       err MATCHES "knobs: warning \\[temperature_and_top_p\\]")
