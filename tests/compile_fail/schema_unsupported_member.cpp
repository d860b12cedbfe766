// A member whose type has no JSON Schema stops the build, and the compiler's
// notes name the member and its type.
// expect: member_has_schema<&event::when, std::deque<int
#include <knobs/schema.hpp>

#include <boost/describe/class.hpp>

#include <deque>
#include <string>
#include <vector>

struct event {
  std::string name;
#ifdef KNOBS_COMPILE_FAIL
  std::deque<int> when;
#else
  std::vector<int> when;
#endif
};
BOOST_DESCRIBE_STRUCT(event, (), (name, when))

int main() { return knobs::json_schema_of<event>().empty() ? 1 : 0; }
