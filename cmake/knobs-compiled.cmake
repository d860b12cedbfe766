# knobs::knobs_compiled: knobs' implementation compiled once, as a static
# library built in the project that uses it, with that project's compiler and
# flags, from two generated one-line sources that include <knobs/src.hpp> and
# <knobs/local/src.hpp>. Each is an object file of its own, so that a program
# that does not use knobs::local does not link it. Used by knobs' own build
# and by the installed package (knobs-config.cmake), which ships no compiled
# library: a library built elsewhere would carry another compiler's flags
# (sanitizers, _GLIBCXX_DEBUG, -O) into the user's program.
#
#   knobs_add_compiled_library(<knobs::knobs or the in-tree target>)
function(knobs_add_compiled_library headers_target)
  if(TARGET knobs_compiled)
    return()
  endif()
  set(sources "")
  foreach(part src local/src)
    string(REPLACE "/" "_" stem "${part}")
    set(tu "${CMAKE_CURRENT_BINARY_DIR}/knobs_compiled/${stem}.cpp")
    file(CONFIGURE OUTPUT "${tu}" CONTENT "#include <knobs/${part}.hpp>\n")
    list(APPEND sources "${tu}")
  endforeach()
  add_library(knobs_compiled STATIC ${sources})
  target_compile_definitions(knobs_compiled PUBLIC KNOBS_SEPARATE_COMPILATION)
  target_link_libraries(knobs_compiled PUBLIC ${headers_target})
endfunction()
