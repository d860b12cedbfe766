#include <knobs/detail/erased_handler.hpp>

#include <doctest/doctest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <utility>

namespace {

// Counts the copies and moves made of it, through the counters it points to.
struct counted {
  int* copies;
  int* moves;
  counted(int* c, int* m) : copies(c), moves(m) {}
  counted(const counted& other) : copies(other.copies), moves(other.moves) { ++*copies; }
  counted(counted&& other) noexcept : copies(other.copies), moves(other.moves) { ++*moves; }
  counted& operator=(const counted&) = delete;
  counted& operator=(counted&&) = delete;
};

} // namespace

TEST_CASE("an argument given as an rvalue is moved once: into the handler's parameter") {
  boost::asio::io_context ioc;
  int copies = 0;
  int moves = 0;
  bool called = false;
  knobs::detail::erased_handler<void(counted)> h([&](counted) { called = true; },
                                                 ioc.get_executor());
  h(counted(&copies, &moves));
  CHECK(called);
  CHECK(copies == 0);
  CHECK(moves == 1);
}

TEST_CASE("an argument given as an lvalue is copied once, then moved into the handler") {
  boost::asio::io_context ioc;
  int copies = 0;
  int moves = 0;
  knobs::detail::erased_handler<void(counted)> h([](counted) {}, ioc.get_executor());
  const counted c(&copies, &moves);
  h(c);
  CHECK(copies == 1);
  CHECK(moves == 1);
}

TEST_CASE("a signature that takes an rvalue reference passes the caller's object itself") {
  boost::asio::io_context ioc;
  int copies = 0;
  int moves = 0;
  counted c(&copies, &moves);
  const counted* seen = nullptr;
  knobs::detail::erased_handler<void(counted &&)> h([&](counted&& r) { seen = &r; },
                                                    ioc.get_executor());
  h(std::move(c));
  CHECK(seen == &c);
  CHECK(copies == 0);
  CHECK(moves == 0);
}

TEST_CASE("the handler is destroyed once: after its call, or with an erased handler never called") {
  boost::asio::io_context ioc;
  auto token = std::make_shared<int>(0);
  {
    knobs::detail::erased_handler<void(int)> h([token](int v) { *token = v; }, ioc.get_executor());
    CHECK(token.use_count() == 2);
    h(7);
    CHECK(*token == 7);
    CHECK(token.use_count() == 1); // released by the call, not by the wrapper's end
  }
  {
    knobs::detail::erased_handler<void(int)> never([token](int) {}, ioc.get_executor());
    auto moved = std::move(never);
    CHECK(token.use_count() == 2);
  }
  CHECK(token.use_count() == 1);
}

TEST_CASE("the handler's executor and cancellation slot are carried; the fallback otherwise") {
  boost::asio::io_context ioc;
  boost::asio::io_context other;
  boost::asio::cancellation_signal signal;
  knobs::detail::erased_handler<void()> bound(
      boost::asio::bind_cancellation_slot(signal.slot(), boost::asio::bind_executor(other, [] {})),
      ioc.get_executor());
  CHECK(bound.get_executor() == boost::asio::any_io_executor(other.get_executor()));
  CHECK(bound.get_cancellation_slot() == signal.slot());

  knobs::detail::erased_handler<void()> plain([] {}, ioc.get_executor());
  CHECK(plain.get_executor() == boost::asio::any_io_executor(ioc.get_executor()));
  CHECK_FALSE(plain.get_cancellation_slot().is_connected());
}
