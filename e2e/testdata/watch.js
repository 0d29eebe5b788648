// The prelude of page.runJS, for the tests that drive one WasmEventSource by
// hand: watch(es) logs what es reports in es.log (entries after es.close()
// marked "AFTER CLOSE"), the lastEventId of each message in es.ids;
// waitFor(pred, ms, what) resolves when pred() holds, rejecting after ms;
// sleep(ms).
const { WasmEventSource, ready } = await import('/eventsource-wasm.js');
await ready();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function watch(es, types = []) {
  es.log = []; es.ids = []; es.messages = 0; es.closedAt = -1;
  const add = (s) => es.log.push((es.closedAt >= 0 ? 'AFTER CLOSE ' : '') + s);
  es.addEventListener('open', () => add('open rs=' + es.readyState));
  es.addEventListener('error', (e) => add('error rs=' + es.readyState +
      (e.message !== undefined ? ' message=' + JSON.stringify(e.message) : '') +
      (e.status !== undefined ? ' status=' + e.status : '')));
  for (const t of ['message', ...types]) es.addEventListener(t, (e) => {
    es.messages++;
    es.ids.push(e.lastEventId);
    add(e.type + ' ' + JSON.stringify(e.data) + ' id=' + JSON.stringify(e.lastEventId));
  });
  const close = es.close.bind(es);
  es.close = () => { if (es.closedAt < 0) es.closedAt = es.log.length; close(); };
  return es;
}
async function waitFor(pred, ms, what) {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(10);
  }
}
