// TestBadInput's scenarios, run after watch.js by page.call.

// tooBig opens url with a maxEventSize of max and reports how the
// connection ended: it must fail (CLOSED) with a message and not reconnect.
async function tooBig(url, session, max) {
  const es = watch(new WasmEventSource(url + '&session=' + session, { maxEventSize: max }));
  let errEv = null;
  es.addEventListener('error', (e) => { errEv = errEv || e; });
  await waitFor(() => es.readyState === 2, 5000, 'CLOSED');
  await sleep(300); // ample time for a wrong reconnect (retry=50)
  return { log: es.log, rs: es.readyState, error: { message: errEv && errEv.message } };
}

// nativeAndOurs records url in native EventSource and in ours side by side,
// with the conformance page's recorder, until each reconnects.
async function nativeAndOurs(url, session) {
  const c = { stop: { opens: 2 } };
  const [native, wasm] = await Promise.all([
    window.conformance.record('native', url + '&session=' + session + '-native', c),
    window.conformance.record('wasm', url + '&session=' + session + '-wasm', c)]);
  return { native, wasm };
}

// stillWorks reads a short stream to its end.
async function stillWorks(session) {
  const es = watch(new WasmEventSource('/events?count=2&interval=5ms&retry=50&session=' + session));
  await waitFor(() => es.readyState === 2, 5000, 'the end of the stream and the 204');
  return { ids: es.ids, rs: es.readyState };
}
