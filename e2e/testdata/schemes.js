// Run by TestURLSchemes (e2e/schemes_test.go), as one function expression
// evaluated with its argument:
//
//   urls  the URLs to open; "%BLOB%" stands for a new blob: URL of a stream
//
// For each URL it opens native EventSource and WasmEventSource one after the
// other and logs what each reports until it fails for good, has three
// messages, or 2 s pass.
async ({ urls }) => {
  const { WasmEventSource, ready } = await import('/eventsource-wasm.js');
  await ready();
  const blob = () => URL.createObjectURL(new Blob(['retry: 50\nid: b1\ndata: blob\n\n'], { type: 'text/event-stream' }));
  const follow = (Ctor, url) => new Promise((resolve) => {
    const log = [];
    let es;
    try {
      es = new Ctor(url === '%BLOB%' ? blob() : url);
    } catch (e) {
      resolve([`constructor threw ${e.name}`]);
      return;
    }
    let messages = 0;
    const done = () => {
      clearTimeout(timer);
      es.close();
      // Anything after a CLOSED error would be a bug: wait a little for it.
      setTimeout(() => resolve(log), 300);
    };
    const timer = setTimeout(() => { log.push('still running after 2 s'); done(); }, 2000);
    es.onopen = () => log.push(`open rs=${es.readyState}`);
    es.onmessage = (e) => {
      log.push(`message ${JSON.stringify(e.data)} id=${JSON.stringify(e.lastEventId)} origin=${e.origin === location.origin ? 'page' : e.origin}`);
      if (++messages === 3) done();
    };
    es.onerror = () => {
      log.push(`error rs=${es.readyState}`);
      if (es.readyState === EventSource.CLOSED) done();
    };
  });
  const out = {};
  for (const url of urls) {
    out[url] = { native: await follow(EventSource, url), wasm: await follow(WasmEventSource, url) };
  }
  return out;
}
