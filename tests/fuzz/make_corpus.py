#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ from tests/fixtures/.

Run from anywhere: python3 tests/fuzz/make_corpus.py. It replaces the seeds it
writes (corpus/<target>/seed-*); files libFuzzer adds by hand-run merges are
left alone. The stream seeds carry fuzz_stream's 4-byte header (see
fuzz_stream.cpp): the bound, the repeat count and the feed sizes.
"""
import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
CORPUS = HERE / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed-{name}").write_bytes(data)


def clean(target):
    d = CORPUS / target
    if d.exists():
        for f in d.glob("seed-*"):
            f.unlink()


for t in ["fuzz_chat_completion", "fuzz_stream", "fuzz_api_error", "fuzz_base_url",
          "fuzz_retry_after"]:
    clean(t)

# Whole bodies: completions and error bodies, as the servers send them.
for f in sorted(FIXTURES.glob("*/completion*.json")):
    write("fuzz_chat_completion", f"{f.parent.name}-{f.name}", f.read_bytes())
for f in sorted(FIXTURES.glob("*/error*.json")):
    write("fuzz_api_error", f"{f.parent.name}-{f.name}", f.read_bytes())
    write("fuzz_chat_completion", f"{f.parent.name}-{f.name}", f.read_bytes())
write("fuzz_api_error", "string-code", '{"error":{"message":"m","type":null,"param":"x","code":"c"}}')
write("fuzz_api_error", "double-code", '{"error":{"message":"m","code":429.0}}')
write("fuzz_api_error", "null-error", '{"error":null,"object":"error","message":"m","code":1}')

# Streams: the fixture SSE bodies, and each .jsonl turned into one the way
# tests/fixtures/sse/README.md says, with \n, \r\n and \r line endings.
streams = {f"sse-{f.stem}": f.read_bytes() for f in sorted(FIXTURES.glob("sse/*.sse"))}
for f in sorted(FIXTURES.glob("*/stream*.jsonl")):
    lines = [l for l in f.read_bytes().split(b"\n") if l]
    body = b"".join(b"data: " + l + b"\n\n" for l in lines) + b"data: [DONE]\n\n"
    streams[f"{f.parent.name}-{f.stem}"] = body
    # Chunks are also bodies a confused server might send to the completion parser.
    write("fuzz_chat_completion", f"{f.parent.name}-{f.stem}-chunk0", lines[0])
# The error events the stream reader must type: llama.cpp's `error:` field,
# an `{"error": ...}` data event, and the other fields of the SSE spec.
streams["error-field"] = (b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                          b"error: {\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}\n\n")
streams["error-data"] = b"data: {\"error\":{\"message\":\"overloaded\",\"code\":\"x\"}}\n\n"
streams["fields"] = (b"\xef\xbb\xbf: keep-alive\nretry: 100\nid: 7\nevent: message\n"
                     b"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"c\",\"function\":"
                     b"{\"name\":\"f\",\"arguments\":\"{\\\"a\"}}]}}]}\ndata\ndata:\n\n"
                     b"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":"
                     b"{\"arguments\":\"\\\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}")

# Header bytes: [bound, repeat, split, seed] (fuzz_stream.cpp).
headers = {
    "whole-pieces": bytes([255, 0, 0xC0 | 1, 7]),   # default bound, 1..4096-byte feeds
    "bytewise": bytes([255, 0, 0x80, 0]),            # one byte a feed
    "small": bytes([255, 0, 0x00, 3]),               # 0..16-byte feeds
    "tight": bytes([40, 0xC0, 0x40 | 5, 9]),         # 641-byte bound, body twice
}
for name, body in streams.items():
    for eol_name, eol in [("lf", b"\n"), ("crlf", b"\r\n"), ("cr", b"\r")]:
        text = body.replace(b"\n", eol)
        for hname, h in headers.items():
            if eol_name != "lf" and hname not in ("small",):
                continue
            write("fuzz_stream", f"{name}-{eol_name}-{hname}", h + text)

# Base URLs: what users set in OPENAI_BASE_URL, and what they get wrong.
urls = [
    "https://api.openai.com/v1", "http://127.0.0.1:8000/v1", "http://localhost:11434/v1/",
    "http://[::1]:8080/v1", "https://[2001:db8::1]/openai/v1", "http://[::ffff:127.0.0.1]:1234",
    "http://[v1.x]/", "https://gateway.example/openai/deployments/x/v1", "http://example.test",
    "http://example.test:65535", "http://example.test:0/v1", "http://example.test:65536/v1",
    "http://example.test:0008000/v1", "http://example.test:/v1", "HTTP://EXAMPLE.TEST/V1",
    "ftp://example.test/v1", "https://user:sk-secret@api.example/v1", "http://@host/v1",
    "http://example.test/v1?x=1", "http://example.test/v1#top", "http://", "http:///v1",
    "127.0.0.1:8000/v1", "api.openai.com/v1", "http://exa mple.test/v1", "http://ex%41mple.test/v%31",
    "http://127.1/", "http://0x7f.0.0.1/", "https://xn--bcher-kva.example/v1", "http://h/a/../b/./c//",
    "",
]
for i, u in enumerate(urls):
    write("fuzz_base_url", f"{i:02d}", u)

# Retry-After: [selector byte] retry-after-ms '\n' Retry-After (fuzz_retry_after.cpp).
retry = [
    (0, "", "2"), (0, "1500", "2"), (0, "", "1.5"), (0, "0", "0"), (0, "", "120"),
    (0, "250.75", ""), (0, "", "Fri, 27 Nov 2026 12:00:30 GMT"), (8, "", "Thu, 01 Jan 1970 00:00:01 GMT"),
    (0, "", "Sun, 06 Nov 1994 08:49:37 GMT"), (0, "", "Sunday, 06-Nov-94 08:49:37 GMT"),
    (0, "", "Sun Nov  6 08:49:37 1994"), (0, "", "Fri, 31 Feb 2026 23:59:60 GMT"),
    (0, "-1", "+2"), (0, "1e3", "inf"), (0, "nan", " 3 "), (7, "9223372036854775807", ""),
    (7, "", "99999999999999999999999999999999"), (5, "", "Fri, 31 Dec 9999 23:59:59 GMT"),
    (0, "1..5", "abc"),
]
for i, (sel, ms, header) in enumerate(retry):
    data = bytes([sel]) + (ms.encode() + b"\n" if ms else b"") + header.encode()
    write("fuzz_retry_after", f"{i:02d}", data)

print("seeds:", {t.name: len(list(t.glob("seed-*"))) for t in sorted(CORPUS.iterdir())})
