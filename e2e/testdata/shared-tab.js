// The helpers that e2e/shared_test.go drives in each of its tabs. Every
// source records what it reports; the test reads it back with state(i).
import { WasmEventSource, configure } from '/eventsource-wasm.js';

const sources = [];
let headerCalls = 0;
let leading = 0; // shared-stream leaderships this tab took (fallback mode)
let restored = 0; // returns from the back/forward cache
addEventListener('pageshow', (e) => { if (e.persisted) restored++; });

function watch(es) {
  const rec = { es, log: [], ids: [], data: [], opens: 0, errors: 0, openedAt: performance.now(), firstEventAt: 0 };
  es.addEventListener('open', (e) => {
    rec.opens++;
    rec.log.push('open rs=' + es.readyState + (e.headers ? ' type=' + e.headers.get('content-type') : ''));
  });
  es.addEventListener('retrying', (e) => rec.log.push('retrying ' + e.cause));
  es.addEventListener('error', (e) => {
    rec.errors++;
    rec.log.push('error rs=' + es.readyState + (e.message ? ' message=' + e.message : ''));
  });
  es.addEventListener('message', (e) => {
    if (!rec.firstEventAt) rec.firstEventAt = performance.now();
    rec.ids.push(e.lastEventId);
    rec.data.push(e.data);
  });
  es.addEventListener('echo', (e) => rec.log.push('echo ' + e.data));
  sources.push(rec);
  return sources.length - 1;
}

// Count the leaderships of the Web Locks fallback: its leader is the
// source granted the lock named after the stream.
if (navigator.locks) {
  const request = navigator.locks.request.bind(navigator.locks);
  navigator.locks.request = (name, ...rest) => {
    const cb = rest.pop();
    return request(name, ...rest, (lock) => {
      if (/^eventsource-wasm\/\d+:/.test(name)) leading++; // a stream's lock (PROTOCOL:key), not a tab's
      return cb(lock);
    });
  };
}

window.tabs = {
  /** Makes the page look like a browser without SharedWorker. */
  disableSharedWorker() {
    delete window.SharedWorker;
    window.SharedWorker = undefined;
  },
  /** Points the page at another shared-worker script (before its first source). */
  useWorker(url) {
    configure({ sharedWorkerURL: url });
  },
  /** Opens a shared source (init is JSON from the test) and returns its index. */
  open(url, init = {}) {
    return watch(new WasmEventSource(url, { shared: true, ...init }));
  },
  /** Opens a native EventSource. */
  openNative(url) {
    return watch(new EventSource(url));
  },
  /** Logs in for a token of ttl seconds. */
  login,
  /** Opens a shared source whose headers function logs in for a ttl-second token. */
  openLogin(url, shareKey, ttl) {
    return watch(new WasmEventSource(url, {
      shared: true, shareKey,
      headers: async () => {
        headerCalls++;
        return { Authorization: 'Bearer ' + await login(ttl) };
      },
    }));
  },
  /** Opens a shared source whose headers function (no share key) returns a bearer token. */
  openTokenFn(url, token) {
    return watch(new WasmEventSource(url, { shared: true, headers: () => ({ Authorization: 'Bearer ' + token }) }));
  },
  /** Opens a shared source with a static bearer token. */
  openToken(url, token) {
    return watch(new WasmEventSource(url, { shared: true, headers: { Authorization: 'Bearer ' + token } }));
  },
  close(i) {
    sources[i].es.close();
  },
  reconnect(i) {
    sources[i].es.reconnect();
  },
  state(i) {
    const r = sources[i];
    return {
      rs: r.es.readyState, log: r.log, ids: r.ids, data: r.data, opens: r.opens, errors: r.errors,
      firstEvent: r.firstEventAt ? r.firstEventAt - r.openedAt : -1,
    };
  },
  get headerCalls() { return headerCalls; },
  get leading() { return leading; },
  get restored() { return restored; },
};
