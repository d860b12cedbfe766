# Challenge 3: five answers at temperature 0, identical; five at 1.5; and the
# program's own summary agrees with its answers.
expect_answers("temperature = 0.0" 5)
expect_answers("temperature = 1.5" 5)
answers("temperature = 0.0" cold)
set(distinct_cold ${cold})
list(REMOVE_DUPLICATES distinct_cold)
list(LENGTH distinct_cold n_cold)
expect("the five temperature 0 answers are identical (${n_cold} distinct)" n_cold EQUAL 1)
expect("it says the temperature 0 answers are identical"
       out MATCHES "temperature 0.0: the 5 answers are identical\n")
answers("temperature = 1.5" hot)
list(REMOVE_DUPLICATES hot)
list(LENGTH hot n_hot)
expect("it counts the distinct hot answers right (${n_hot})"
       out MATCHES "temperature 1.5: ${n_hot} distinct answers out of 5\n")
