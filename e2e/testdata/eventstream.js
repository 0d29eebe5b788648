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
  const { EventStreamParser, openEventStream, ready } = await import('/eventsource-wasm.js');
  await ready();
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
