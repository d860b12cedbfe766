// Shared by the tests: the hand-written server responses in tests/fixtures/.
#ifndef KNOBS_TESTS_FIXTURE_HPP
#define KNOBS_TESTS_FIXTURE_HPP

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The bytes of tests/fixtures/<name>; fails the test when it cannot be read.
inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KNOBS_TEST_DATA_DIR) + "/fixtures/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open fixture " << name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The non-empty lines of a fixture (a .jsonl stream: one chunk a line).
inline std::vector<std::string> fixture_lines(const std::string& name) {
  std::istringstream in(fixture(name));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

#endif
