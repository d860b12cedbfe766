// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_ERASED_HANDLER_HPP
#define KNOBS_DETAIL_ERASED_HANDLER_HPP

// A completion handler of any type behind one type, so that an operation is
// compiled once (in <knobs/src.hpp>) whatever completion token its caller
// uses: the Boost.MySQL and Boost.Redis way of putting a compiled operation
// under a thin template.
//
// Not Asio 1.81's any_completion_handler: its associated executor
// (any_completion_executor) cannot be required to be non-blocking, and
// Beast's composed operations post through that requirement. This one
// carries the handler's associated executor as an any_io_executor, which can,
// and its associated cancellation slot; the handler's associated allocator is
// not carried (the operations allocate with std::allocator).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace knobs {
namespace detail {

template <class Signature> class erased_handler;

template <class... Args> class erased_handler<void(Args...)> {
public:
  using executor_type = boost::asio::any_io_executor;
  using cancellation_slot_type = boost::asio::cancellation_slot;

  // `handler` runs on its associated executor, or on `fallback` (the I/O
  // object's executor) when it has none.
  template <class Handler,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<Handler>, erased_handler>>>
  erased_handler(Handler&& handler, const executor_type& fallback)
      : executor_(boost::asio::get_associated_executor(handler, fallback)),
        slot_(boost::asio::get_associated_cancellation_slot(handler)),
        f_(new holder<std::decay_t<Handler>>(std::forward<Handler>(handler))) {}

  // `f` is called in place of a handler whose associated executor and
  // cancellation slot are `ex` and `slot` (an adapter around that handler).
  template <class F>
  erased_handler(F&& f, executor_type ex, cancellation_slot_type slot)
      : executor_(std::move(ex)), slot_(slot), f_(new holder<std::decay_t<F>>(std::forward<F>(f))) {
  }

  erased_handler(erased_handler&&) noexcept = default;
  erased_handler& operator=(erased_handler&&) noexcept = default;

  executor_type get_executor() const noexcept { return executor_; }
  cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }

  // Calls the handler, once. An argument given as an rvalue of its type in
  // the signature passes through by reference; any other is converted first.
  template <class... A> void operator()(A&&... args) {
    static_assert(sizeof...(A) == sizeof...(Args), "the handler's signature takes other arguments");
    std::unique_ptr<callable, deleter> f = std::move(f_);
    f->ops->call(f.get(), pass<Args>(std::forward<A>(args))...);
  }

private:
  // `a` as the `T&&` that the handler is called with: itself when it is an
  // rvalue of type T (or T is an lvalue reference), else a T made from it (a
  // temporary that lives until the call returns). So a completion is moved
  // once, into the handler, not once more per layer.
  template <class T, class U> static decltype(auto) pass(U&& a) {
    if constexpr (std::is_lvalue_reference_v<T>)
      return static_cast<T>(a);
    else if constexpr (std::is_same_v<U, std::remove_reference_t<T>>)
      return static_cast<std::remove_reference_t<T>&&>(a);
    else
      return std::remove_cv_t<std::remove_reference_t<T>>(std::forward<U>(a));
  }

  // A table of function pointers per handler type, not virtual functions:
  // GCC compiles every override that a reachable virtual call may reach (to
  // devirtualize it), so with virtual functions each file that completes an
  // erased handler compiled every handler type its headers name (the tool
  // runner's, the streams'...) and all they call, used or not.
  struct callable;
  struct operations {
    void (*call)(callable* self, Args&&... args);
    void (*destroy)(callable* self) noexcept;
  };
  struct callable {
    const operations* ops;
  };
  struct deleter {
    void operator()(callable* c) const noexcept { c->ops->destroy(c); }
  };
  template <class Handler> struct holder final : callable {
    static void call_handler(callable* self, Args&&... args) {
      std::move(static_cast<holder*>(self)->handler)(std::move(args)...);
    }
    static void destroy_holder(callable* self) noexcept { delete static_cast<holder*>(self); }
    static constexpr operations table{&call_handler, &destroy_holder};

    template <class H> explicit holder(H&& h) : callable{&table}, handler(std::forward<H>(h)) {}
    Handler handler;
  };

  executor_type executor_;
  cancellation_slot_type slot_;
  std::unique_ptr<callable, deleter> f_;
};

} // namespace detail
} // namespace knobs

#endif
