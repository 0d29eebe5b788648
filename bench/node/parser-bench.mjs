// Parses the same byte corpora as the Go sse parser benchmarks with the npm
// eventsource-parser, fed in 64 KiB chunks decoded with a streaming
// TextDecoder (the decoding is part of the work: the Go parser decodes
// UTF-8 itself). Prints one JSON line per corpus:
// {"name", "bytes", "events", "mbps": [one value per repetition]}.
//
//   node bench/node/parser-bench.mjs NAME=FILE:EVENTS ... [--reps 5] [--min-ms 1000]
import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';

const CHUNK = 64 << 10;
const args = process.argv.slice(2);
let reps = 5;
let minMs = 1000;
const corpora = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--reps') reps = Number(args[++i]);
  else if (args[i] === '--min-ms') minMs = Number(args[++i]);
  else {
    const [name, rest] = args[i].split('=');
    const [file, events] = rest.split(':');
    corpora.push({ name, file, events: Number(events) });
  }
}

function parseOnce(chunks) {
  let n = 0;
  const parser = createParser({ onEvent() { n++; } });
  const dec = new TextDecoder('utf-8');
  for (const c of chunks) parser.feed(dec.decode(c, { stream: true }));
  parser.feed(dec.decode());
  return n;
}

for (const c of corpora) {
  const buf = readFileSync(c.file);
  const chunks = [];
  for (let off = 0; off < buf.length; off += CHUNK) chunks.push(buf.subarray(off, off + CHUNK));
  // Warm up the JIT before timing.
  for (let i = 0; i < 3; i++) parseOnce(chunks);
  const mbps = [];
  for (let r = 0; r < reps; r++) {
    let iters = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs) {
      const n = parseOnce(chunks);
      if (n !== c.events) throw new Error(`${c.name}: ${n} events, want ${c.events}`);
      iters++;
      t = performance.now();
    }
    mbps.push((buf.length * iters) / 1e6 / ((t - t0) / 1e3));
  }
  console.log(JSON.stringify({ name: c.name, bytes: buf.length, events: c.events, mbps }));
}
