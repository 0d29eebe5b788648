// Run by TestEventStreamAPIs (e2e/eventstream_test.go) in a page of the test
// server, as one function expression evaluated with its argument:
//
//   presets  names of /faults?body= streams (the conformance suite's)
//
// For each preset it fetches the stream's bytes once and parses them with
// EventStreamParser whole, in every split into two chunks, and one byte at
// a time; then it reads the same URL with openEventStream. It reports the
// events of each, and where a chunking or the stream differed from the
// whole. Then it checks how openEventStream ends: a failed connection
// errors the stream, an aborted signal and a cancel close it.
async ({ presets }) => {
  const { EventStreamParser, WasmEventSource, openEventStream, ready } = await import('/eventsource-wasm.js');
  await ready();
  const { memory } = globalThis.__eventsourceWasm; // the module's, which the bridge carries
  const show = (evs) => evs.map((e) => `${e.type}|${JSON.stringify(e.data)}|${e.lastEventId}`);
  const collect = async (stream, max = Infinity) => {
    const out = [];
    const reader = stream.getReader();
    while (out.length < max) {
      const r = await reader.read();
      if (r.done) break;
      out.push(r.value);
    }
    if (out.length >= max) await reader.cancel();
    return out;
  };
  const parse = (chunks) => collect(new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  }).pipeThrough(new EventStreamParser()));

  const out = { presets: {} };
  for (const name of presets) {
    const url = `/faults?body=${name}&retry=60000`;
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const whole = show(await parse([bytes]));
    const r = { whole, diffs: [] };
    const check = async (what, chunks) => {
      const got = show(await parse(chunks));
      if (JSON.stringify(got) !== JSON.stringify(whole)) r.diffs.push(`${what}: ${JSON.stringify(got)}`);
    };
    for (let i = 1; i < bytes.length; i++) await check(`split at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]);
    await check('byte by byte', Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
    await check('as an ArrayBuffer', [bytes.slice().buffer]);
    // The stream: its first connection's events (it then reconnects).
    const streamed = show(await collect(openEventStream(url), whole.length));
    if (JSON.stringify(streamed) !== JSON.stringify(whole)) r.diffs.push(`openEventStream: ${JSON.stringify(streamed)}`);
    out.presets[name] = r;
  }

  // Generated streams whose events the test knows, parsed whole and in
  // chunkings: code points split across chunks, invalid UTF-8 next to
  // ASCII events in one chunk, BOMs (stripped at the stream's start only),
  // repeated IDs, and events of hundreds of KiB across many chunks.
  const enc = new TextEncoder();
  const cat = (...parts) => {
    const all = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : Uint8Array.from(p)));
    const out = new Uint8Array(all.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of all) out.set(a, (at += a.length) - a.length);
    return out;
  };
  const big = 'x€'.repeat(70000) + '😀'; // 350 KiB, code points split by every chunk size
  // 180 KB whose code points straddle the 64 KiB pieces that big fields
  // are decoded in (after 'x', 6-byte 'é😀' units put 64 KiB and 128 KiB
  // inside a 😀 and an é).
  const pieced = 'x' + 'é😀'.repeat(30000);
  const cases = {
    'split code points': [cat('data: €😀é\nid: ☃\nevent: ü\n\ndata: ok\n\n'), ['ü|"€😀é"|☃', 'message|"ok"|☃']],
    'invalid UTF-8': [cat('data: ok\n\ndata: ', [0xe2, 0x82], 'A', [0xff], '\nid: ', [0xc3], '\n\n', 'data: x\n\n'),
      ['message|"ok"|', 'message|"\ufffdA\ufffd"|\ufffd', 'message|"x"|\ufffd']],
    'BOMs': [cat([0xef, 0xbb, 0xbf], 'data: ', [0xef, 0xbb, 0xbf], 'x\n\nevent: ', [0xef, 0xbb, 0xbf], 't\ndata: y\n\n'),
      ['message|"\ufeffx"|', '\ufefft|"y"|']],
    'repeated IDs': [cat('id: a\ndata: 1\n\ndata: 2\n\nid\ndata: 3\n\ndata: 4\n\n'),
      ['message|"1"|a', 'message|"2"|a', 'message|"3"|', 'message|"4"|']],
    'large events': [cat(`id: 1\ndata: ${big}\n\ndata: a\ndata: ${big}\n\ndata: small\n\nevent: t\ndata: ${big}\r\n\r\n`),
      [`message|${JSON.stringify(big)}|1`, `message|${JSON.stringify('a\n' + big)}|1`, 'message|"small"|1', `t|${JSON.stringify(big)}|1`]],
    'code points across decode pieces': [cat(`data: ${pieced}\n\ndata: ${pieced}\ndata: z\n\n`),
      [`message|${JSON.stringify(pieced)}|`, `message|${JSON.stringify(pieced + '\nz')}|`]],
  };
  out.generated = {};
  for (const [name, [bytes, want]] of Object.entries(cases)) {
    const diffs = [];
    const check = async (what, chunks) => {
      const got = show(await parse(chunks));
      if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${what}: ${JSON.stringify(got).slice(0, 300)}`);
    };
    const sizes = bytes.length < 200 ? [1, 2, 3, 5] : [1000, 4099, 65536];
    for (const size of [...sizes, bytes.length]) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      await check(`${size}-byte chunks`, chunks);
    }
    if (bytes.length < 200) {
      for (let i = 1; i < bytes.length; i++) await check(`split at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]);
    }
    out.generated[name] = diffs;
  }

  // Growing wasm memory detaches the buffer that views of it were taken
  // from. A chunk big enough to grow it (a 12 MiB comment line, which the
  // parser holds whole until its end), with events after the growth...
  const grownFrom = memory?.buffer.byteLength;
  const pad = ': ' + 'p'.repeat(12 << 20) + '\n';
  out.growthParse = show(await parse([cat('data: before\n\n', pad, 'data: after\n\n')]));
  // ...and a listener that makes Go grow it in the middle of a batch: the
  // batch's later events must be intact.
  const fiveEvents = cat('data: 1\n\ndata: 2\nid: x\n\ndata: 3\n\nevent: t\ndata: 4\n\ndata: 5\n\n');
  const growing = await new Promise((resolve) => {
    const seen = [];
    const fetchOnce = async () => new Response(new ReadableStream({
      start(c) { c.enqueue(fiveEvents); },
    }), { headers: { 'content-type': 'text/event-stream' } });
    const es = new WasmEventSource('/unused', { fetch: fetchOnce });
    const add = (e) => {
      seen.push(`${e.type}|${JSON.stringify(e.data)}|${e.lastEventId}`);
      if (seen.length === 1) {
        const before = memory?.buffer.byteLength;
        // Unfinished 15 MiB lines fed to parsers of their own, which hold
        // them, until the memory grows. (Growing it from here would detach
        // the view wasm_exec.js keeps, which only Go's own growth renews.)
        const b = globalThis.__eventsourceWasm;
        const line = new TextEncoder().encode('data: ' + 'g'.repeat(15 << 20));
        const held = [];
        for (let i = 0; i < 8 && memory.buffer.byteLength <= before; i++) {
          held.push(b.parser());
          b.feed(held.at(-1), line, () => {});
        }
        for (const input of held) b.unparse(input.key);
        seen.push(`grew: ${memory?.buffer.byteLength > before}`);
      }
      if (seen.length === 6) {
        es.close();
        resolve(seen);
      }
    };
    es.addEventListener('message', add);
    es.addEventListener('t', add);
    setTimeout(() => { es.close(); resolve(seen); }, 10000);
  });
  out.growthBatch = growing;
  out.grewOnParse = memory ? memory.buffer.byteLength > grownFrom : 'memory not seen';

  // A string chunk is UTF-8 encoded.
  out.fromStrings = show(await parse(['data: caf', 'é\n', '\nid: 7\nevent: x\ndata: y\n\n']));

  // A response that fails the connection errors the stream.
  try {
    await collect(openEventStream('/faults?status=503'));
    out.failed = 'no error';
  } catch (e) {
    out.failed = `${e.status} ${e.message}`;
  }
  // An aborted signal closes the connection and errors the stream with
  // its reason.
  const ac = new AbortController();
  const aborting = collect(openEventStream('/events?interval=20ms', { signal: ac.signal }));
  setTimeout(() => ac.abort(new Error('stop')), 100);
  try {
    await aborting;
    out.aborted = 'no error';
  } catch (e) {
    out.aborted = e.message;
  }
  // for await, where the engine makes ReadableStream async-iterable.
  if (Symbol.asyncIterator in ReadableStream.prototype) {
    const seen = [];
    for await (const ev of openEventStream('/events?count=3&interval=1ms&retry=60000')) {
      seen.push(ev.data);
      if (seen.length === 3) break; // cancels the stream: the connection closes
    }
    out.forAwait = seen.length;
  } else {
    out.forAwait = 'unsupported';
  }
  return out;
}
