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
        f_(std::make_unique<holder<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  // `f` is called in place of a handler whose associated executor and
  // cancellation slot are `ex` and `slot` (an adapter around that handler).
  template <class F>
  erased_handler(F&& f, executor_type ex, cancellation_slot_type slot)
      : executor_(std::move(ex)), slot_(slot),
        f_(std::make_unique<holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  erased_handler(erased_handler&&) noexcept = default;
  erased_handler& operator=(erased_handler&&) noexcept = default;

  executor_type get_executor() const noexcept { return executor_; }
  cancellation_slot_type get_cancellation_slot() const noexcept { return slot_; }

  // Calls the handler, once. An argument given as an rvalue of its type in
  // the signature passes through by reference; any other is converted first.
  template <class... A> void operator()(A&&... args) {
    static_assert(sizeof...(A) == sizeof...(Args), "the handler's signature takes other arguments");
    std::unique_ptr<callable> f = std::move(f_);
    f->call(pass<Args>(std::forward<A>(args))...);
  }

private:
  // `a` as the `T&&` that callable::call takes: itself when it is an rvalue of
  // type T (or T is an lvalue reference), else a T made from it (a temporary that lives until the
  // call returns). So a completion is moved once, into the handler, not once more per layer.
  template <class T, class U> static decltype(auto) pass(U&& a) {
    if constexpr (std::is_lvalue_reference_v<T>)
      return static_cast<T>(a);
    else if constexpr (std::is_same_v<U, std::remove_reference_t<T>>)
      return static_cast<std::remove_reference_t<T>&&>(a);
    else
      return std::remove_cv_t<std::remove_reference_t<T>>(std::forward<U>(a));
  }

  struct callable {
    virtual ~callable() = default;
    virtual void call(Args&&... args) = 0;
  };
  template <class Handler> struct holder final : callable {
    template <class H> explicit holder(H&& h) : handler(std::forward<H>(h)) {}
    void call(Args&&... args) override { std::move(handler)(std::move(args)...); }
    Handler handler;
  };

  executor_type executor_;
  cancellation_slot_type slot_;
  std::unique_ptr<callable> f_;
};

} // namespace detail
} // namespace knobs

#endif
