// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_SSE_HPP
#define KNOBS_DETAIL_SSE_HPP

// An incremental Server-Sent Events parser: the body of a `stream: true` reply
// goes in, in whatever pieces the socket delivers, and complete events come
// out. It follows the WHATWG HTML "event stream interpretation" rules, with two
// deliberate departures: an event left pending when the body ends is
// delivered (servers often omit the last blank line), and llama.cpp's
// non-standard `error:` field is kept instead of ignored.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace knobs {
namespace detail {

/// The default bound on one event (its data and fields, or one unterminated
/// line): 16 MiB, far above any chat chunk, low enough to stop a runaway body.
inline constexpr std::size_t default_max_sse_event_bytes = 16u * 1024u * 1024u;

/// One dispatched event. The views are valid until the next call to
/// sse_parser::feed(), next() or finish() on the parser that produced them.
struct sse_event {
  /// The `data:` lines joined with '\n', without a trailing '\n'. `[DONE]` is
  /// data like any other: recognising it is the caller's business.
  std::string_view data;
  /// The `event:` field of this event; "" when it had none.
  std::string_view event;
  /// The last `id:` field seen in the stream so far (the spec's "last event ID",
  /// which carries over to later events); "" when there was none.
  std::string_view id;
  /// The non-standard `error:` field that llama.cpp's server sends instead of
  /// `data:` when generation fails mid-stream (a JSON error object); "" when
  /// absent. An event carrying one is dispatched even when it has no data.
  std::string_view error;
};

/// What sse_parser::next() and finish() found.
enum class sse_status {
  event,     ///< an event was written to the out-parameter
  need_more, ///< no complete event is buffered: feed more bytes (or finish())
  too_large  ///< an event or a line exceeded max_event_bytes(); the parser is spent
};

/// Splits an event stream into events. Feed it bytes as they arrive, then call
/// next() until it returns need_more; at the end of the body call finish()
/// until it returns need_more. The parser never copies a single-line event's
/// data: the event views its input buffer.
class sse_parser {
public:
  /// A parser that refuses events or lines longer than `max_event_bytes`.
  explicit sse_parser(std::size_t max_event_bytes = default_max_sse_event_bytes)
      : max_(max_event_bytes) {}

  /// Appends `bytes`, split anywhere (mid-line, between '\r' and '\n', inside a
  /// UTF-8 character). Invalidates the views of the last event. Ignored once
  /// the parser has reported too_large or finish() has been called. The bound
  /// is checked by next(), so drain with next() after every feed() to keep
  /// memory within it. Throws std::bad_alloc when out of memory.
  inline void feed(std::string_view bytes);

  /// Writes the next complete event to `out` and returns sse_status::event;
  /// returns need_more when the buffered bytes hold no complete event, and
  /// too_large (now and ever after) once the pending event's data and fields,
  /// or a line still waiting for its terminator, exceed max_event_bytes().
  /// `out` is written only when the result is sse_status::event.
  inline sse_status next(sse_event& out);

  /// Like next(), for the end of the body: the last line counts as terminated
  /// and the last event as complete even without its blank line. Call it until
  /// it returns need_more, which it then keeps returning.
  inline sse_status finish(sse_event& out);

  /// The bound given at construction, in bytes.
  std::size_t max_event_bytes() const noexcept { return max_; }

  /// Bytes held in the input buffer: the unparsed tail, the pending event's
  /// single data line and, until the next call to next() that finds nothing,
  /// what has been parsed already. 0 after a stream of whole events is drained.
  std::size_t buffered() const noexcept { return buf_.size(); }

private:
  static constexpr std::size_t npos = std::string::npos;
  // Parsed input is erased from the front only when it is both this large and
  // more than half the buffer, so moving the tail costs O(1) per byte overall.
  static constexpr std::size_t compact_threshold = 4096;

  inline sse_status parse(sse_event& out);
  inline std::size_t line_end() noexcept;
  inline std::size_t find_from(char c, std::size_t& hit, std::size_t& scanned) const noexcept;
  inline bool field(std::string_view line, std::size_t offset);
  inline bool dispatch(sse_event& out);
  inline void release();
  inline void own_data();
  inline sse_status fail() noexcept;
  std::size_t data_bytes() const noexcept { return data_in_buf_ ? data_len_ : data_.size(); }
  std::size_t pending_bytes() const noexcept {
    return data_bytes() + event_.size() + id_.size() + error_.size();
  }

  std::size_t max_;
  std::string buf_;     // input; [0, pos_) is parsed
  std::size_t pos_ = 0; // start of the first line not yet parsed
  // Where the next '\r' / '\n' at or after pos_ is (hit), or that there is
  // none before `scanned`: each byte is searched for at most once per character.
  std::size_t cr_hit_ = npos, cr_scanned_ = 0;
  std::size_t lf_hit_ = npos, lf_scanned_ = 0;
  bool bom_pending_ = true; // the first bytes may still be a BOM
  bool skip_lf_ = false;    // the last line ended with '\r': a '\n' next is part of it
  bool ended_ = false;      // finish() was called
  bool final_done_ = false; // the implicit blank line at the end was processed
  bool failed_ = false;     // too_large was reported

  // The pending event. Its data is either one line left in buf_ (data_in_buf_,
  // at data_off_) or, from the second line on, a copy in data_.
  std::size_t data_lines_ = 0;
  bool data_in_buf_ = false;
  std::size_t data_off_ = 0, data_len_ = 0;
  std::string data_, event_, error_;
  std::string id_; // persists across events, as the spec's last event ID does

  // The strings the last event views, swapped out of data_/event_/error_ at
  // dispatch so that the pending ones can be reset without a copy.
  std::string out_data_, out_event_, out_error_;
};

inline void sse_parser::feed(std::string_view bytes) {
  if (failed_ || ended_)
    return;
  buf_.append(bytes.data(), bytes.size());
}

inline sse_status sse_parser::next(sse_event& out) { return parse(out); }

inline sse_status sse_parser::finish(sse_event& out) {
  ended_ = true;
  return parse(out);
}

inline sse_status sse_parser::fail() noexcept {
  failed_ = true;
  buf_.clear();
  pos_ = 0;
  data_in_buf_ = false;
  data_lines_ = 0;
  data_.clear();
  event_.clear();
  error_.clear();
  return sse_status::too_large;
}

inline std::size_t sse_parser::find_from(char c, std::size_t& hit,
                                         std::size_t& scanned) const noexcept {
  if (hit != npos && hit >= pos_)
    return hit;
  const std::size_t from = std::max(pos_, scanned);
  const std::size_t size = buf_.size();
  const void* p = from < size ? std::memchr(buf_.data() + from, c, size - from) : nullptr;
  if (p) {
    hit = static_cast<std::size_t>(static_cast<const char*>(p) - buf_.data());
    scanned = hit + 1;
  } else {
    hit = npos;
    scanned = size;
  }
  return hit;
}

// The offset of the '\r' or '\n' that ends the line at pos_, or npos.
inline std::size_t sse_parser::line_end() noexcept {
  // Servers send '\n' (or "\r\n"): in a '\n' stream the '\r' search scans the
  // buffer once and then costs nothing until more bytes arrive.
  const std::size_t cr = find_from('\r', cr_hit_, cr_scanned_);
  const std::size_t lf = find_from('\n', lf_hit_, lf_scanned_);
  return std::min(cr, lf);
}

// Moves a single data line out of buf_, so that buf_ can be compacted past it.
inline void sse_parser::own_data() {
  data_.assign(buf_, data_off_, data_len_);
  data_in_buf_ = false;
}

// Called when no event is buffered: the views handed out are already
// invalidated, so parsed input can go.
inline void sse_parser::release() {
  // A data line followed by a long run of comments or other fields would pin
  // everything after it; copy it out instead.
  if (data_in_buf_ && pos_ - (data_off_ + data_len_) > compact_threshold + 2 * data_len_)
    own_data();
  const std::size_t keep = data_in_buf_ ? data_off_ : pos_;
  if (keep == 0)
    return;
  if (keep == buf_.size())
    buf_.clear(); // the common case: whole events were fed; no bytes move
  else if (keep > compact_threshold && keep > buf_.size() / 2)
    buf_.erase(0, keep);
  else
    return;
  pos_ -= keep;
  data_off_ -= std::min(data_off_, keep);
  cr_hit_ = lf_hit_ = npos;
  cr_scanned_ = lf_scanned_ = 0;
}

// Handles one non-blank line, at `offset` in buf_. False when the event grew
// beyond the bound.
inline bool sse_parser::field(std::string_view line, std::size_t offset) {
  if (line.front() == ':')
    return true; // a comment, e.g. a keep-alive
  std::string_view name = line, value;
  const std::size_t colon = line.find(':');
  if (colon != npos) {
    name = line.substr(0, colon);
    std::size_t skip = colon + 1;
    if (skip < line.size() && line[skip] == ' ')
      ++skip; // exactly one space; any further ones belong to the value
    value = line.substr(skip);
    offset += skip;
  }
  if (name == "data") {
    if (data_lines_ == 0) {
      data_in_buf_ = true;
      data_off_ = offset;
      data_len_ = value.size();
    } else {
      if (data_in_buf_)
        own_data();
      data_ += '\n';
      data_.append(value.data(), value.size());
    }
    ++data_lines_;
  } else if (name == "event") {
    event_.assign(value.data(), value.size());
  } else if (name == "id") {
    // An id with NUL cannot be sent back as Last-Event-ID, so the spec drops it.
    if (value.find('\0') == npos)
      id_.assign(value.data(), value.size());
  } else if (name == "error") {
    error_.assign(value.data(), value.size());
  }
  // `retry` only matters to a reconnecting EventSource; other fields are
  // ignored by the spec.
  return pending_bytes() <= max_;
}

// The blank line: hands out the pending event if it has data (or an error),
// and resets the event, as the spec does even for an event it drops.
inline bool sse_parser::dispatch(sse_event& out) {
  const bool deliver = data_lines_ > 0 || !error_.empty();
  if (deliver) {
    if (data_in_buf_) {
      out.data = std::string_view(buf_.data() + data_off_, data_len_);
    } else {
      out_data_.swap(data_);
      out.data = out_data_;
    }
    out_event_.swap(event_);
    out.event = out_event_;
    out_error_.swap(error_);
    out.error = out_error_;
    out.id = id_;
  }
  data_lines_ = 0;
  data_in_buf_ = false;
  data_.clear();
  event_.clear();
  error_.clear();
  return deliver;
}

inline sse_status sse_parser::parse(sse_event& out) {
  if (failed_)
    return sse_status::too_large;
  if (bom_pending_) {
    static constexpr char bom[] = "\xEF\xBB\xBF";
    const std::size_t n = std::min<std::size_t>(buf_.size(), 3);
    if (std::memcmp(buf_.data(), bom, n) != 0) {
      bom_pending_ = false;
    } else if (n == 3) {
      pos_ = 3;
      bom_pending_ = false;
    } else if (!ended_) {
      return sse_status::need_more; // could still be a BOM
    } else {
      bom_pending_ = false;
    }
  }
  for (;;) {
    if (skip_lf_ && pos_ < buf_.size()) {
      if (buf_[pos_] == '\n')
        ++pos_;
      skip_lf_ = false;
    }
    const std::size_t start = pos_;
    std::size_t end = line_end();
    if (end == npos) {
      const std::size_t rest = buf_.size() - pos_;
      if (!ended_) {
        if (pending_bytes() + rest > max_)
          return fail(); // do not wait for a newline that may never come
        release();
        return sse_status::need_more;
      }
      if (rest == 0) {
        // The end of the body ends the last event, blank line or not.
        if (final_done_)
          return sse_status::need_more;
        final_done_ = true;
        return dispatch(out) ? sse_status::event : sse_status::need_more;
      }
      end = buf_.size();
      pos_ = end;
    } else {
      pos_ = end + 1;
      skip_lf_ = buf_[end] == '\r';
    }
    if (end == start) {
      if (dispatch(out))
        return sse_status::event;
    } else if (!field(std::string_view(buf_.data() + start, end - start), start)) {
      return fail();
    }
  }
}

} // namespace detail
} // namespace knobs

#endif
