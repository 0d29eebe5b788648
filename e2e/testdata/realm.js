// Run by TestMessageEventRealm (e2e/realm_test.go) in a page of the test
// server, as one function expression evaluated with its argument:
//
//   streams  [{url, n}]: streams of named and unnamed events, with and
//            without ids, and how many events to take from each
//
// It creates a WasmEventSource in the top page and one in a same-origin
// iframe (each realm imports the module itself) and reports, for every
// event, whether it is a MessageEvent of the realm that created its source.
async ({ streams }) => {
  const frame = document.createElement('iframe');
  frame.src = '/conformance.html';
  const loaded = new Promise((resolve) => { frame.onload = resolve; });
  document.body.append(frame);
  await loaded;

  const realms = { top: window, iframe: frame.contentWindow };
  const out = {};
  for (const [name, win] of Object.entries(realms)) {
    const other = name === 'top' ? realms.iframe : realms.top;
    // An indirect eval runs in win's realm, so the import resolves there.
    const { WasmEventSource, ready } = await win.eval("import('/eventsource-wasm.js')");
    await ready();
    out[name] = [];
    for (const { url, n } of streams) out[name].push(await new Promise((resolve) => {
      const es = new WasmEventSource(url);
      const seen = [];
      const timer = setTimeout(() => { es.close(); resolve({ seen, timedOut: true }); }, 10000);
      const check = (e) => {
        seen.push({
          type: e.type,
          data: e.data,
          lastEventId: e.lastEventId,
          origin: e.origin,
          ctor: e.constructor === win.MessageEvent,
          proto: Object.getPrototypeOf(e) === win.MessageEvent.prototype,
          otherRealm: e instanceof other.MessageEvent,
          tag: Object.prototype.toString.call(e),
          isTrusted: e.isTrusted,
          ownKeys: Object.keys(e),
        });
        if (seen.length >= n) {
          clearTimeout(timer);
          es.close();
          resolve({ seen, timedOut: false });
        }
      };
      es.onmessage = check;
      es.addEventListener('named', check);
    }));
  }
  frame.remove();
  return out;
}
