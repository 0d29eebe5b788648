// TestBrowserFuzz's page side, run after watch.js by page.call: fuzzRun
// opens each URL in a WasmEventSource that does not reconnect and records
// everything it dispatches until the stream's end closes it.

function fuzzOne(url) {
  return new Promise((resolve) => {
    const events = [];
    const es = new WasmEventSource(url, { maxRetries: 0 });
    // Every event, whatever its type, goes through dispatchEvent.
    const dispatch = es.dispatchEvent.bind(es);
    es.dispatchEvent = (ev) => {
      events.push(ev.type === 'open' || ev.type === 'error'
        ? { type: ev.type, rs: es.readyState }
        : { type: ev.type, data: ev.data, id: ev.lastEventId });
      return dispatch(ev);
    };
    const timer = setTimeout(() => { es.close(); resolve({ events, timedOut: true }); }, 15000);
    es.addEventListener('error', (e) => {
      if (es.readyState !== 2) return;
      clearTimeout(timer);
      resolve({ events, message: e.message });
    });
  });
}

// fuzzRun runs the URLs, four at a time, and returns their records in order.
async function fuzzRun(urls) {
  const out = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      out[i] = await fuzzOne(urls[i]);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}
