// bench_nginx's Node contender: the official `openai` SDK (pinned in
// package.json; install with `npm ci --prefix tests/bench`) against the same
// nginx, the same request and the same checks as the C++ drivers.
//
//   node tests/bench/openai_node.mjs PORT REQUESTS STREAMS
//
// Prints two lines of JSON, one per workload: {"row", "count", "seconds",
// "cpu_seconds"}, where count is the requests (sequential) or the chunks
// (streaming) and cpu_seconds is the process's user + system CPU
// (process.cpuUsage: all of Node's threads, its garbage collector's too).
// Exits non-zero when an answer is not the canned one.
import OpenAI from "openai";
import { readFileSync } from "node:fs";

const [port, requests, streams, expectedPath] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
// The texts the C++ benchmark wrote for nginx to serve: the completion's
// content, then the stream's content, one per line.
const [completionText, streamText] = readFileSync(expectedPath, "utf8").split("\n");

const request = {
  model: "bench",
  messages: [{ role: "user", content: "In one sentence, describe a city at night." }],
  temperature: 0.7,
  max_tokens: 60,
};

function fail(why) {
  console.error(`openai_node.mjs: ${why}`);
  process.exit(1);
}

async function timed(row, count, run) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ row, count, seconds, cpu_seconds: (c.user + c.system) / 1e6 }));
}

// Keep-alive is the SDK's default (its fetch keeps connections); retries
// off, as for knobs.
const client = new OpenAI({ apiKey: "sk-bench", baseURL: `${base}/v1`, maxRetries: 0 });
const streaming = new OpenAI({ apiKey: "sk-bench", baseURL: `${base}/stream/v1`, maxRetries: 0 });

// One of each before timing: the connection is open, the code is warm.
await client.chat.completions.create(request);

await timed("node_create", Number(requests), async () => {
  for (let i = 0; i < Number(requests); ++i) {
    const r = await client.chat.completions.create(request);
    if (r.choices[0].message.content !== completionText) fail("not the canned completion");
  }
});

async function readStream() {
  const s = await streaming.chat.completions.create({ ...request, stream: true });
  let text = "";
  let chunks = 0;
  for await (const chunk of s) {
    text += chunk.choices[0]?.delta?.content ?? "";
    ++chunks;
  }
  if (text !== streamText) fail("not the canned stream");
  return chunks;
}

const perStream = await readStream();
await timed("node_stream", Number(streams) * perStream, async () => {
  for (let i = 0; i < Number(streams); ++i) await readStream();
});
