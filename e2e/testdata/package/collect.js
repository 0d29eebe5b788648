// collect connects a WasmEventSource and resolves with what it reported:
// the messages (until `want` of them), the error events, and the final
// readyState. It waits a moment after finishing so that an extra event
// would be seen too.
export async function collect(WasmEventSource, url, init, want = 3, ms = 15000) {
  const events = [];
  const errors = [];
  let es;
  try {
    es = new WasmEventSource(url, init);
  } catch (err) {
    return { thrown: String(err) };
  }
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    es.onmessage = (e) => {
      events.push({ data: e.data, id: e.lastEventId, origin: e.origin, isMessageEvent: e instanceof MessageEvent });
      if (events.length >= want) done();
    };
    es.onerror = (e) => {
      errors.push({ readyState: es.readyState, message: e.message ?? null, status: e.status ?? null });
      if (es.readyState === es.CLOSED) done();
    };
  });
  const readyState = es.readyState;
  es.close();
  await new Promise((r) => setTimeout(r, 300));
  // Where eventsource.wasm came from, and how many bytes crossed the
  // network for it (0: the HTTP cache answered without asking the server).
  const wasm = performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.endsWith('.wasm'))
    .map((e) => ({ path: new URL(e.name).pathname, transferSize: e.transferSize }));
  return { events, errors, readyState, wasm };
}

// params reads the probe's options from a query string.
export function params(search) {
  const q = new URLSearchParams(search);
  const init = {};
  if (q.get('fallback')) init.fallback = q.get('fallback');
  if (q.get('token')) init.headers = { Authorization: 'Bearer ' + q.get('token') };
  return { module: q.get('module') || '/eventsource-wasm.js', stream: q.get('stream') || '/events?count=3&interval=20ms', init, wasmURL: q.get('wasmURL') };
}
