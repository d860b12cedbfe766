# Challenge 2: three top_p sections at temperature 1.0. knobs does not warn
# about temperature and top_p together here: temperature 1.0 reshapes
# nothing (run.cmake checks that stderr has no warning).
foreach(p 0.3 0.7 1.0)
  expect_answers("top_p = ${p} (temperature = 1.0)" 2)
endforeach()
