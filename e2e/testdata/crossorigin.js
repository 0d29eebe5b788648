// Run by TestCrossOriginLastEventID (e2e/crossorigin_test.go) in a page of
// the main test server. It is one function expression, evaluated with its
// argument:
//
//   url              the stream on another origin (it ends after every 2 events)
//   withCredentials  for both EventSources
//   events           how many messages to wait for
//
// It opens native EventSource and WasmEventSource side by side (their
// requests are told apart by the query parameter impl=), then a second
// WasmEventSource that starts from the last id, and reports what each saw
// and the console warnings.
async ({ url, withCredentials, events }) => {
  const { WasmEventSource, ready } = await import('/eventsource-wasm.js');
  await ready();
  // A cookie for this host, which a credentialed request to another port
  // of it carries (same site), so the server sees whether credentials went.
  document.cookie = 'xo=1; path=/; SameSite=Lax';

  // The client's warnings, as the console gets them, in any engine.
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => {
    warnings.push(args.join(' '));
    warn.apply(console, args);
  };

  const tagged = (impl) => url + (url.includes('?') ? '&' : '?') + 'impl=' + impl;

  // follow records what es reports until it has `want` messages, fails
  // for good, or times out.
  const follow = (es, want) => new Promise((resolve) => {
    const r = { messages: [], opens: 0, errors: [], details: [], timedOut: false };
    const done = () => {
      clearTimeout(timer);
      es.close();
      resolve(r);
    };
    const timer = setTimeout(() => {
      r.timedOut = true;
      done();
    }, 20000);
    es.onopen = () => r.opens++;
    es.onmessage = (e) => {
      r.messages.push(`${e.lastEventId}:${e.data}`);
      if (r.messages.length >= want) done();
    };
    es.onerror = (e) => {
      r.errors.push(`rs=${es.readyState}`);
      if (e.message) r.details.push(e.message);
      if (es.readyState === EventSource.CLOSED) done();
    };
  });

  const [native, wasm] = await Promise.all([
    follow(new EventSource(tagged('native'), { withCredentials }), events),
    follow(new WasmEventSource(tagged('wasm'), { withCredentials }), events),
  ]);
  // A new connection to the same origin, starting from the last id.
  const last = wasm.messages.at(-1)?.split(':')[0] ?? '';
  const again = await follow(new WasmEventSource(tagged('again'), { withCredentials, lastEventId: last }), 1);
  console.warn = warn;
  return { native, wasm, again, warnings };
}
