// The page side of e2e/api_test.go and e2e/lifecycle_test.go, evaluated in
// /conformance.html. It sets window.lt: sources opened by name, native or
// ours, each with a log of everything it reports, and the scenarios that
// need more than JSON arguments (an AbortSignal, a fetch function).
(async () => {
  const mod = await import('/eventsource-wasm.js');
  await mod.ready();
  const { WasmEventSource, WasmOpenEvent, WasmErrorEvent, WasmRetryingEvent, openEventStream } = mod;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const sources = new Map(); // name → { es, log, ids, t0 }

  // record logs what es reports; every entry has t (ms since the page's
  // time origin) and ev.
  function record(name, es, types = []) {
    const s = { es, log: [], ids: [] };
    sources.set(name, s);
    const add = (e) => s.log.push({ t: performance.now(), rs: es.readyState, ...e });
    add({ ev: 'new' });
    es.addEventListener('open', (e) => add({
      ev: 'open', status: e.status, type: e.headers?.get('content-type') ?? undefined,
      cls: e instanceof WasmOpenEvent ? 'WasmOpenEvent' : e.constructor.name,
    }));
    es.addEventListener('error', (e) => add({
      ev: 'error', willRetry: e.willRetry, status: e.status, message: e.message,
      cls: e instanceof WasmErrorEvent ? 'WasmErrorEvent' : e.constructor.name,
    }));
    es.addEventListener('retrying', (e) => add({
      ev: 'retrying', attempt: e.attempt, delay: e.delay, cause: e.cause, message: e.message,
      cls: e instanceof WasmRetryingEvent ? 'WasmRetryingEvent' : e.constructor.name,
    }));
    for (const type of ['message', ...types]) {
      es.addEventListener(type, (e) => {
        s.ids.push(e.lastEventId);
        add({ ev: type, id: e.lastEventId, data: e.data });
      });
    }
    return s;
  }

  // open makes a source: kind "native" or "wasm".
  function open(name, kind, url, init = undefined) {
    const es = kind === 'native' ? new EventSource(url, init) : new WasmEventSource(url, init);
    record(name, es, init?.types);
    return true;
  }

  function get(name) {
    const s = sources.get(name);
    if (!s) throw new Error(`no source ${name}`);
    return s;
  }

  // waitFor resolves with the log once it holds n entries of event type
  // ev (after index from), or rejects after ms.
  async function waitFor(name, ev, n = 1, ms = 10000, from = 0) {
    const s = get(name);
    const end = performance.now() + ms;
    for (;;) {
      const got = s.log.slice(from).filter((e) => e.ev === ev).length;
      if (got >= n) return s.log;
      if (performance.now() > end) {
        throw new Error(`${name}: ${got} of ${n} ${ev} events after ${ms} ms; log ${JSON.stringify(s.log.slice(-8))}`);
      }
      await sleep(10);
    }
  }

  // badInits tries init values that must throw a TypeError, and good ones
  // that must not; it returns what each did.
  function badInits(url) {
    const bad = {
      'a number': 5,
      'a string': 'init',
      'retryOnStatus as a string': { retryOnStatus: '503' },
      'retryOnStatus of strings': { retryOnStatus: ['503'] },
      'retryOnStatus not a status': { retryOnStatus: [42] },
      'retryOnStatus a number': { retryOnStatus: 503 },
      'method a number': { method: 5 },
      'method with a space': { method: 'GET POST' },
      'method TRACE': { method: 'TRACE' },
      'heartbeatTimeout a string': { heartbeatTimeout: '5000' },
      'heartbeatTimeout negative': { heartbeatTimeout: -1 },
      'maxRetries NaN': { maxRetries: NaN },
      'maxEventSize a string': { maxEventSize: '1e6' },
      'backoff a string': { backoff: 'yes' },
      'backoff.initial a string': { backoff: { initial: '1s' } },
      'lastEventIdQuery a number': { lastEventIdQuery: 5 },
      'lastEventId an object': { lastEventId: {} },
      'signal not an AbortSignal': { signal: {} },
      'fetch not a function': { fetch: 'fetch' },
      'lifecycle a string': { lifecycle: 'on' },
      'lifecycle.online a string': { lifecycle: { online: 'no' } },
      'headers a number': { headers: 5 },
      'fetch with shared': { shared: true, fetch: (...a) => fetch(...a) },
    };
    const good = {
      undefined, null: null, 'an empty object': {},
      'retryOnStatus as a Set': { retryOnStatus: new Set([503, 429]) },
      'everything': {
        withCredentials: false, method: 'GET', lastEventId: 7, lastEventIdQuery: 'last', backoff: { initial: 100 },
        maxRetries: Infinity, retryOnStatus: [503], heartbeatTimeout: 0, maxEventSize: 1 << 20,
        signal: new AbortController().signal, fetch: (...a) => fetch(...a), debug: false,
        lifecycle: { online: true, bfcache: false }, headers: { 'X-A': 'b' },
      },
    };
    const out = {};
    for (const [label, init] of Object.entries({ ...bad, ...good })) {
      try {
        new WasmEventSource(url, init).close();
        out[label] = { bad: label in bad, threw: '' };
      } catch (e) {
        out[label] = { bad: label in bad, threw: e.constructor.name, message: e.message };
      }
    }
    return out;
  }

  // withSignal opens ours with an AbortController's signal, aborted
  // already when before is true.
  function withSignal(name, url, before) {
    const ac = new AbortController();
    if (before) ac.abort();
    record(name, new WasmEventSource(url, { signal: ac.signal }));
    window.ltAbort = () => ac.abort();
    return get(name).es.readyState;
  }

  function abort() {
    window.ltAbort();
    return true;
  }

  // withFetchSpy opens ours with a fetch that records each request and
  // passes it on.
  function withFetchSpy(name, url) {
    const seen = [];
    window.ltFetched = seen;
    record(name, new WasmEventSource(url, {
      fetch: (req, init) => {
        seen.push({ method: req.method, url: req.url, lastEventId: req.headers.get('last-event-id'), init: init !== undefined });
        return fetch(req);
      },
    }));
    return true;
  }

  // withFetchDouble opens ours with a fetch that never touches the network.
  function withFetchDouble(name) {
    record(name, new WasmEventSource('/nowhere', {
      maxRetries: 0,
      fetch: async () => new Response('id: 1\ndata: from the double\n\n', { headers: { 'content-type': 'text/event-stream' } }),
    }));
    return true;
  }

  // readStream reads n events of openEventStream(url, init) and returns
  // their ids.
  async function readStream(url, init, n) {
    const ids = [];
    for await (const ev of openEventStream(url, init)) {
      ids.push(ev.lastEventId);
      if (ids.length === n) break;
    }
    return ids;
  }

  window.lt = {
    open, waitFor, badInits, withSignal, abort, withFetchSpy, withFetchDouble, readStream,
    log: (name) => get(name).log,
    ids: (name) => get(name).ids,
    state: (name) => get(name).es.readyState,
    close: (name) => { get(name).es.close(); return true; },
    reconnect: (name) => { get(name).es.reconnect(); return true; },
    sleep,
    // persisted is set by pageshow: whether the page came back from the
    // back/forward cache.
    shows: [],
  };
  addEventListener('pageshow', (e) => window.lt.shows.push({ t: performance.now(), persisted: e.persisted }));
  return true;
})()
