# The distribution: the server's bars add up to at most 100% (the top 20 of a
# probability distribution cannot hold more than all of it), each reshaped
# chart too, and top_k 3 keeps three tokens.

# The bars of a section, as percentages in tenths, in `var`.
function(bars header var)
  section("${header}" lines)
  set(result "")
  foreach(line IN LISTS lines)
    if(line MATCHES "\\| +([0-9]+)\\.([0-9])%$")
      math(EXPR tenths "${CMAKE_MATCH_1} * 10 + ${CMAKE_MATCH_2}")
      list(APPEND result ${tenths})
    endif()
  endforeach()
  set(${var} "${result}" PARENT_SCOPE)
endfunction()

# Each printed percentage is rounded to a tenth, so n bars may overshoot the
# true sum by n halves of a tenth.
macro(expect_at_most_100 header min_bars)
  bars("${header}" got)
  list(LENGTH got n)
  expect("\"${header}\" has at least ${min_bars} bars (found ${n})" NOT n LESS ${min_bars})
  set(sum 0)
  foreach(b IN LISTS got)
    math(EXPR sum "${sum} + ${b}")
  endforeach()
  math(EXPR twice "2 * ${sum}")
  math(EXPR limit "2000 + ${n}")
  expect("the bars of \"${header}\" sum to at most 100% (${sum} tenths)" NOT twice GREATER limit)
endmacro()

expect_at_most_100("the next-token distribution, from the server" 2)
foreach(chart
    "temperature 0.2: sharper, the likely get likelier"
    "temperature 0.7: a little sharper"
    "temperature 1.3: flatter, the tail gets a chance"
    "top_k 3: only the 3 likeliest"
    "top_p 0.9: the fewest tokens that make up 90%"
    "min_p 0.1: tokens at least 1/10 as likely as the top one")
  expect_at_most_100("${chart}" 1)
endforeach()
bars("top_k 3: only the 3 likeliest" top_k)
list(LENGTH top_k n)
expect("top_k 3 keeps 3 tokens (found ${n})" n EQUAL 3)
