# The README's quick start must be exactly examples/quickstart.cpp (from its
# first #include on), which every build compiles.
file(READ "${SOURCE_DIR}/README.md" readme)
file(READ "${SOURCE_DIR}/examples/quickstart.cpp" program)
string(FIND "${readme}" "## Quick start" at)
string(SUBSTRING "${readme}" ${at} -1 readme)
string(FIND "${readme}" "```cpp\n" at)
math(EXPR at "${at} + 7")
string(SUBSTRING "${readme}" ${at} -1 readme)
string(FIND "${readme}" "```" end)
string(SUBSTRING "${readme}" 0 ${end} snippet)
string(FIND "${program}" "#include <knobs/knobs.hpp>" at)
string(SUBSTRING "${program}" ${at} -1 program)
if(NOT snippet STREQUAL program)
  message(FATAL_ERROR "README.md's quick start differs from examples/quickstart.cpp:\n"
                      "--- README\n${snippet}--- quickstart.cpp\n${program}")
endif()
