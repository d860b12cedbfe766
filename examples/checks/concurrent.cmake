# The temperature sweep sent at once: six answers, temperature 0.0's two
# identical, and six connections, which only six requests in flight together
# need (one after another would have reused one).
include("${CMAKE_CURRENT_LIST_DIR}/temperature.cmake")
expect("it says the six requests were in flight at once, with six connections"
       out MATCHES "6 requests in flight at once on one thread \\([^)]+\\), 6 connections\n")
