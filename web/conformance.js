// Conformance suite: the same server stream into the browser's native
// EventSource and into WasmEventSource, side by side. Everything each one
// reports, and the requests the server saw from each, are judged against
// the spec's answer for the case (conformance-spec.js): ours must meet it;
// native's departures are recorded, not failed (no engine's native
// EventSource is the spec). The page runs for people (button) and for the
// e2e Go test (?autorun=1), which reads window.conformance.
//
// Query parameters: autorun=1 starts at once; only=a,b runs the named
// cases; self=1 compares native against native (a check of the harness and
// of the server's determinism); xorigin=<origin> names this server under
// another origin that lets this page read (e.g. http://localhost:8080 for a
// page on 127.0.0.1:8080 run with -allow-origin), xdenied=<origin> a server
// that does not: the cross-origin cases run only when given them.
//
// Everything shown on the page is set with textContent: stream data is
// untrusted text.

import { specAnswers } from './conformance-spec.js';

const CLOSED = 2;

const params = new URLSearchParams(location.search);

// The WebAssembly module is imported lazily so that the page, and the
// native half of every case, still work when /eventsource-wasm.js or the
// .wasm file is missing; each case then reports why ours could not run.
let wasmModule = null;
function loadWasm() {
  if (!wasmModule) {
    wasmModule = import('/eventsource-wasm.js').then(async (m) => {
      await m.ready();
      return m;
    });
  }
  return wasmModule;
}

// FNV-1a, 32-bit: a cheap fingerprint for long data and long event runs.
const FNV_OFFSET = 0x811c9dc5;
function fnv1a(h, s) {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
const hex = (h) => h.toString(16).padStart(8, '0');

// show renders event data for a log line: short data in full (JSON-quoted,
// so CR, LF, NUL and U+FFFD are visible), long data as head, length and hash.
function show(s) {
  if (typeof s !== 'string') return `(${typeof s}) ${String(s)}`;
  if (s.length <= 600) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, 32))}…(${s.length} chars, fnv ${hex(fnv1a(FNV_OFFSET, s))})`;
}

// eventClass names the class of an open or error event unless it is Event,
// or ours' documented subclass of Event for that event.
function eventClass(ev, ours) {
  const c = ev.constructor;
  return c === Event || (c.name === ours && Object.getPrototypeOf(c) === Event) ? '' : ` class=${c.name}`;
}

// delayBucket classes a reconnection delay coarsely enough to compare across
// implementations, finely enough to tell retry=50 (<1s), retry: 2500
// (1-2.95s: room for a slow machine), the 3 s default (2.95-4s) and longer
// delays (≥4s, e.g. a misread retry: 9000x) apart.
function delayBucket(ms) {
  if (ms < 1000) return 'after<1s';
  if (ms < 2950) return 'after1-2.95s';
  if (ms < 4000) return 'after2.95-4s';
  return 'after≥4s';
}

// withSession tags url with session=, the server's handle on a client's
// requests; a %SESSION% placeholder (in a redirect target) is filled too,
// and so are the %XORIGIN% and %XDENIED% origins. A local URL (not on the
// server) is left as it is, but %BLOB% becomes a new blob: URL of a stream.
function withSession(url, session, local = false) {
  if (url === '%BLOB%') {
    const blob = new Blob(['retry: 50\nid: b1\ndata: blob\n\n'], { type: 'text/event-stream' });
    return URL.createObjectURL(blob);
  }
  if (local) return url;
  url = url.replaceAll('%SESSION%', encodeURIComponent(session))
    .replaceAll('%XORIGIN%', params.get('xorigin'))
    .replaceAll('%XDENIED%', params.get('xdenied'));
  return url + (url.includes('?') ? '&' : '?') + 'session=' + encodeURIComponent(session);
}

// ctorFor returns the class of impl ('native' or 'wasm'), or a string saying
// why WasmEventSource is unavailable.
async function ctorFor(impl) {
  if (impl !== 'wasm') return EventSource;
  try {
    return (await loadWasm()).WasmEventSource;
  } catch (e) {
    return `WasmEventSource unavailable: ${e}`;
  }
}

// record opens one EventSource ('native' or 'wasm') on url and logs what it
// reports until the stop condition, a CLOSED error, or the timeout. After
// close() it keeps listening for `grace` ms: anything then is a bug and is
// logged with an "AFTER CLOSE" prefix.
//
// opts: stop {events|opens|errors: N}; timeout ms; types: named event types
// to listen for besides "message"; init: the constructor's second argument
// (native gets only withCredentials); summary: fold message entries into a
// count, hash, first and last (for huge runs); normalize(data): rewrites
// data that legitimately differs (the session tag /echo reports); drop: after
// that many messages, have the server reset the connection; handlers: use
// onopen/onmessage/onerror instead of addEventListener; grace ms.
//
// The result: log (compared), extras (the wasm error event's status,
// statusText and message; not compared), timedOut, ms. runCase adds
// requests: what the server saw of the session.
async function record(impl, url, opts = {}) {
  const {
    stop = {}, timeout = 5000, types = [], init = {}, summary = false, grace = 250, normalize = (d) => d, drop = 0,
    handlers = false,
  } = opts;
  const Ctor = await ctorFor(impl);
  if (typeof Ctor === 'string') return { log: [Ctor], extras: [], timedOut: false, ms: 0 };
  return new Promise((resolve) => {
    const log = [];
    const extras = [];
    const t0 = performance.now();
    let messages = 0, opens = 0, errors = 0, lastErrorAt = 0;
    let stopped = false, timedOut = false;
    let hash = FNV_OFFSET, first = '', last = '';
    let timer = 0;

    const add = (entry) => {
      if (stopped) entry = 'AFTER CLOSE ' + entry;
      log.push(summary ? `@${messages} ${entry}` : entry);
    };
    const stopNow = (why) => {
      if (stopped) return;
      clearTimeout(timer);
      if (why) log.push(why);
      es.close();
      log.push(`close() rs=${es.readyState}`);
      stopped = true;
      setTimeout(() => {
        if (summary) {
          log.push(`messages n=${messages} fnv=${hex(hash)}`, `first ${first}`, `last ${last}`);
        }
        resolve({ log, extras, timedOut, ms: Math.round(performance.now() - t0) });
      }, grace);
    };

    let es;
    try {
      es = impl === 'wasm' ? new Ctor(url, init) : new Ctor(url, { withCredentials: !!init.withCredentials });
    } catch (e) {
      resolve({ log: [`constructor threw ${e.name}: ${e.message}`], extras, timedOut, ms: 0 });
      return;
    }
    log.push(`new rs=${es.readyState}`);

    const onMessage = (ev) => {
      let entry = `${ev.type} data=${show(typeof ev.data === 'string' ? normalize(ev.data) : ev.data)} id=${JSON.stringify(ev.lastEventId)} rs=${es.readyState}`;
      if (ev.constructor !== MessageEvent || Object.getPrototypeOf(ev) !== MessageEvent.prototype) {
        entry += ` class=${ev.constructor.name}`;
      }
      if (ev.origin !== location.origin) entry += ` origin=${JSON.stringify(ev.origin)}`;
      if (summary && !stopped) {
        messages++;
        hash = fnv1a(fnv1a(hash, entry), '\n');
        if (!first) first = entry;
        last = entry;
      } else {
        if (!stopped) messages++;
        add(entry);
      }
      if (stop.events && messages >= stop.events) stopNow();
      if (messages === drop) {
        // Reset this connection from the server side, as a network failure.
        const session = new URL(url, location.href).searchParams.get('session');
        fetch(`/sessions/${encodeURIComponent(session)}/drop`, { method: 'POST' })
          .catch((e) => log.push(`drop request failed: ${e}`));
      }
    };
    const listen = (type, fn) => {
      if (handlers && ['open', 'message', 'error'].includes(type)) es['on' + type] = fn;
      else es.addEventListener(type, fn);
    };
    for (const t of new Set(['message', ...types])) listen(t, onMessage);

    listen('open', (ev) => {
      opens++;
      let delay = '';
      if (lastErrorAt) delay = ' ' + delayBucket(performance.now() - lastErrorAt);
      add(`open rs=${es.readyState}${delay}${eventClass(ev, 'WasmOpenEvent')}`);
      if (stop.opens && opens >= stop.opens) stopNow();
    });
    listen('error', (ev) => {
      errors++;
      lastErrorAt = performance.now();
      add(`error rs=${es.readyState}${eventClass(ev, 'WasmErrorEvent')}`);
      if (ev.status !== undefined || ev.message !== undefined) {
        extras.push({ status: ev.status, statusText: ev.statusText, message: ev.message });
      }
      if (es.readyState === CLOSED || (stop.errors && errors >= stop.errors)) stopNow();
    });
    timer = setTimeout(() => {
      timedOut = true;
      stopNow(`timeout after ${timeout}ms`);
    }, timeout);
  });
}

// shape logs the API surface of an EventSource class: constants,
// constructor errors, attributes and their defaults, close() twice.
async function shape(impl, url) {
  const Ctor = await ctorFor(impl);
  if (typeof Ctor === 'string') return { log: [Ctor], extras: [], timedOut: false, ms: 0 };
  const log = [];
  const fmt = (v) => (typeof v === 'function' ? 'function' : JSON.stringify(v));
  const t = (label, f) => {
    try {
      log.push(`${label}: ${fmt(f())}`);
    } catch (e) {
      log.push(`${label}: throws ${e.constructor.name} ${e.name}`);
    }
  };
  t('class constants', () => [Ctor.CONNECTING, Ctor.OPEN, Ctor.CLOSED]);
  t('no argument', () => new Ctor());
  t('invalid URL', () => new Ctor('http://[::1'));
  const es = new Ctor(url);
  t('instance constants', () => [es.CONNECTING, es.OPEN, es.CLOSED]);
  t('url is absolute', () => es.url === new URL(url, location.href).href);
  t('withCredentials', () => es.withCredentials);
  t('readyState', () => es.readyState);
  t('is an EventTarget', () => es instanceof EventTarget);
  t('handlers', () => [es.onopen, es.onmessage, es.onerror]);
  t('handler set and read', () => { const f = () => {}; es.onmessage = f; return es.onmessage === f; });
  t('handler set to a non-function', () => { es.onmessage = 42; return es.onmessage; });
  t('readyState is read-only', () => { try { es.readyState = 7; } catch { /* strict mode */ } return es.readyState; });
  t('close() twice', () => { es.close(); es.close(); return es.readyState; });
  const cred = new Ctor(url, { withCredentials: true });
  t('withCredentials: true', () => cred.withCredentials);
  cred.close();
  return { log, extras: [], timedOut: false, ms: 0 };
}

// Streams are kept short and reconnect fast (retry=50) so the suite runs in
// seconds. Each case's answer in conformance-spec.js is the whole log the
// spec requires, so a server change that stops exercising the rule fails
// the case instead of passing vacuously.
//
// /events and generated /faults streams end after count events; the
// reconnect then resumes at the last id, gets 204, and the EventSource
// fails (error, CLOSED): those cases stop there. /faults?body= presets send
// the same bytes on every connection: those cases stop at the reconnect's
// open ({opens: 2}).
const R = 'retry=50';
const preset = (name, extra = '') => `/faults?body=${name}&${R}${extra}`;
const cases = [
  {
    name: 'api-shape',
    about: 'constants, constructor errors, url, withCredentials, readyState, handler attributes, close() twice',
    url: `/events?count=1&${R}`,
    shape: true,
  },
  {
    name: 'handler-attributes',
    about: 'onopen, onmessage and onerror attributes instead of addEventListener',
    url: `/events?count=2&interval=5ms&${R}`,
    handlers: true,
  },
  {
    name: 'basic-reconnect',
    about: 'end of stream → reconnect with Last-Event-ID; the reconnect at the last id gets 204 → error, CLOSED',
    url: `/events?count=3&interval=5ms&${R}`,
  },
  {
    name: 'multi-line-data',
    about: 'JSON over several data: lines, joined with LF',
    url: `/events?count=3&interval=5ms&lines=4&${R}`,
  },
  {
    name: 'multi-line-preset',
    about: 'data: lines joined with LF, an empty data: line, a JSON array over lines',
    url: preset('multiline'),
    stop: { opens: 2 },
  },
  {
    name: 'named-events',
    about: 'event: deepThoughtOutput reaches addEventListener("deepThoughtOutput"), not onmessage; done=1 adds event: done',
    url: `/events?count=3&interval=5ms&event=deepThoughtOutput&done=1&${R}`,
    types: ['deepThoughtOutput', 'done'],
  },
  {
    name: 'named-preset',
    about: 'named events, then the type resets to message after each dispatch',
    url: preset('named'),
    types: ['deepThoughtOutput', 'done'],
    stop: { opens: 2 },
  },
  {
    name: 'unlistened-type',
    about: 'an event whose type nobody listens for is not seen by onmessage either',
    url: preset('named'),
    stop: { opens: 2 },
  },
  {
    name: 'comments',
    about: 'comment lines (":", ": text") are ignored',
    url: preset('comments'),
    stop: { opens: 2 },
  },
  {
    name: 'fields',
    about: 'no space after the colon, two spaces, a field without a colon, unknown fields, event without data',
    url: preset('fields'),
    stop: { opens: 2 },
  },
  {
    name: 'empty-data-and-id-only',
    about: 'data: with nothing dispatches ""; an id-only block sets the last event ID without dispatching: sent on reconnect, seen by the next events',
    url: preset('empty'),
    stop: { events: 3 },
  },
  {
    name: 'bom-preset',
    about: 'one leading BOM is stripped; a second BOM makes its line an unknown field',
    // No retry=: its retry: line would come before the BOM.
    url: '/faults?body=bom',
    stop: { events: 2 },
  },
  {
    name: 'bom-generated',
    about: 'a BOM before retry: and generated events',
    url: `/faults?bom=1&count=3&${R}`,
  },
  {
    name: 'chunk-bom',
    about: 'the leading BOM split across one-byte reads is still stripped',
    url: `/faults?bom=1&chunk=1&count=2&${R}`,
  },
  {
    name: 'newline-cr',
    about: 'CR line ends',
    url: preset('cr'),
    types: ['named'],
    stop: { opens: 2 },
  },
  {
    name: 'newline-crlf',
    about: 'CRLF line ends',
    url: preset('crlf'),
    types: ['named'],
    stop: { opens: 2 },
  },
  {
    name: 'newline-mixed',
    about: 'LF, CR and CRLF in one stream',
    url: preset('mixed'),
    stop: { opens: 2 },
  },
  {
    name: 'chunk-crlf-utf8',
    about: 'one-byte flushed writes: CRLF pairs and UTF-8 sequences split across reads',
    url: `/faults?newline=crlf&chunk=1&count=3&${R}`,
  },
  {
    name: 'chunk-cr',
    about: 'one-byte writes with CR line ends (a CR at the end of a read is a line end)',
    url: `/faults?newline=cr&chunk=1&count=3&${R}`,
  },
  {
    name: 'chunk-crlf-preset',
    about: 'one-byte writes of the CRLF preset',
    url: preset('crlf', '&chunk=1'),
    types: ['named'],
    stop: { opens: 2 },
  },
  {
    name: 'chunk-invalid-utf8',
    about: 'one-byte writes of invalid and truncated UTF-8 sequences',
    url: preset('utf8-invalid', '&chunk=1'),
    stop: { opens: 2 },
  },
  {
    name: 'id-reset',
    about: 'id with no value (and "id:") resets lastEventId',
    url: preset('idreset'),
    stop: { opens: 2 },
  },
  {
    name: 'id-nul',
    about: 'an id containing NUL is ignored',
    url: preset('nul-id'),
    stop: { opens: 2 },
  },
  {
    name: 'retry-valid',
    about: 'retry: 50 (digits only) sets the reconnection time',
    url: preset('comments'),
    stop: { opens: 2 },
  },
  {
    name: 'retry-default',
    about: 'without retry: the reconnection time is 3 s',
    url: '/faults?body=comments',
    stop: { opens: 2 },
    timeout: 6000,
  },
  {
    name: 'retry-invalid',
    about: 'retry: 1x, -5 and 1.5 are ignored; retry: 2500 applies',
    url: '/faults?body=retry-bad',
    stop: { opens: 2 },
    timeout: 6000,
  },
  {
    name: 'retry-invalid-only',
    about: 'only invalid retry values (9000x, then 5x): the reconnection time stays the default (a few seconds), not 5 ms',
    url: '/faults?body=retry-invalid',
    stop: { opens: 2 },
    timeout: 6000,
  },
  {
    name: 'odd-data',
    about: 'an empty event: field dispatches type message; U+2028 and NUL inside data are kept',
    url: preset('odd-data'),
    stop: { opens: 2 },
  },
  {
    name: 'nonascii-id',
    about: 'a non-ASCII id (é🚀): lastEventId, and the Last-Event-ID header of the reconnect carries its UTF-8 bytes',
    url: preset('nonascii-id'),
    stop: { opens: 2 },
    // WebKit's fetch() sends each header value as the UTF-8 of its
    // characters and refuses any above U+00FF, so no fetch-based client
    // can send these bytes there (ours sends the header's bytes as one
    // character each, which WebKit encodes once more).
    known: "WebKit's fetch() cannot send a non-ASCII Last-Event-ID's UTF-8 bytes",
  },
  {
    name: 'invalid-utf8',
    about: 'invalid, truncated and surrogate UTF-8 bytes become U+FFFD',
    url: preset('utf8-invalid'),
    stop: { opens: 2 },
  },
  {
    name: 'eof-pending',
    about: 'an event without its blank line at the end of the stream is dropped',
    url: preset('no-trailing-blank'),
    stop: { opens: 2 },
  },
  {
    name: 'echo-reconnect',
    about: 'what the server receives: Accept, Cache-Control, Last-Event-ID header on each reconnect',
    url: `/echo?n=2&${R}`,
    types: ['echo'],
    stop: { opens: 3 },
    normalize: (d) => d.replace(/"session":"[^"]*"/, '"session":"…"'),
  },
  {
    name: 'status-204',
    about: '204 No Content → error, CLOSED, no reconnect',
    url: `/faults?status=204&${R}`,
  },
  {
    name: 'status-500',
    about: '500 → error, CLOSED, no reconnect',
    url: `/faults?status=500&${R}`,
  },
  {
    name: 'status-503-retry-after',
    about: '503 with Retry-After → error, CLOSED (native never retries a status)',
    url: `/faults?status=503&retry_after=1&${R}`,
  },
  {
    name: 'wrong-content-type',
    about: 'text/plain → error, CLOSED, no reconnect',
    url: `/faults?content_type=text/plain&${R}`,
  },
  {
    name: 'content-type-params',
    about: 'text/event-stream with other parameters is accepted',
    url: `/faults?content_type=${encodeURIComponent('text/event-stream;charset=utf-8;foo=bar')}&count=2&${R}`,
  },
  {
    name: 'redirect',
    about: 'a 307 redirect is followed; events come from the target',
    url: `/faults?redirect=${encodeURIComponent('/events?count=2&interval=5ms&retry=50&session=')}%SESSION%&${R}`,
  },
  {
    name: 'network-drop',
    about: 'the connection is reset mid-stream (POST /sessions/{id}/drop after 2 events) → error, CONNECTING, reconnect with Last-Event-ID',
    url: `/events?interval=150ms&${R}`,
    drop: 2,
    stop: { events: 4 },
  },
  {
    name: 'network-drop-burst',
    about: 'retry:, two events and the connection reset all in one burst: native dispatches the events first',
    url: `/faults?drop_after=2&${R}`,
    stop: { opens: 2 },
    // Chromium errors a fetch body stream as soon as the reset arrives and
    // drops the chunks it had queued, so no fetch-based client can see
    // these bytes (a plain reader loop in this page loses them too). The
    // case stays to show the difference when the timing produces it; it
    // does not fail the suite.
    known: 'fetch() loses the data that arrives with a connection reset',
  },
  {
    name: 'status-201',
    about: 'a 2xx other than 200 fails the connection too',
    url: `/faults?status=201&content_type=text/event-stream&${R}`,
  },
  {
    name: 'content-type-case',
    about: 'the MIME type compares case-insensitively: Text/Event-Stream is accepted',
    url: `/faults?content_type=Text/Event-Stream&count=2&${R}`,
  },
  // Cross-origin: fetch() cannot send Last-Event-ID without a CORS
  // preflight (native EventSource can), so for these cases (preflight:
  // true) the Go test compares the requests without ours' OPTIONS.
  {
    name: 'cross-origin',
    about: 'a CORS-allowed stream on another origin: events carry that origin',
    url: `%XORIGIN%/events?count=2&interval=5ms&${R}`,
    needs: ['xorigin'],
    preflight: true,
  },
  {
    name: 'cross-origin-credentials',
    about: 'withCredentials: true on a CORS-allowed origin that allows credentials',
    url: `%XORIGIN%/events?count=2&interval=5ms&${R}`,
    init: { withCredentials: true },
    needs: ['xorigin'],
    preflight: true,
  },
  {
    name: 'cross-origin-denied',
    about: 'a stream whose server does not allow this origin: the CORS failure fails the connection',
    url: `%XDENIED%/events?count=2&interval=5ms&${R}`,
    needs: ['xdenied'],
    timeout: 2000,
    // fetch() rejects with the same TypeError for a CORS refusal and a
    // network error; to tell them apart ours then sends a no-cors HEAD
    // probe, and, since a request lost on the way while the server answers
    // the probe is no refusal, retries the request once at once (with its
    // own probe) before failing. Native needs none of these. The Go test
    // drops them from ours' requests before comparing (probe: true).
    probe: true,
  },
  // URLs that do not reach the server (local: true): no session tag, no
  // requests to compare. A scheme that cannot stream fails the connection
  // at once; data: and blob: URLs are read like a stream that then ends.
  ...[['ftp', 'ftp://127.0.0.1/events'], ['mailto', 'mailto:events@example.com'], ['javascript', 'javascript:1'],
    ['about-blank', 'about:blank'], ['data-wrong-type', 'data:text/plain,data:%20x%0A%0A']].map(([name, url]) => ({
    name: `scheme-${name}`,
    about: `${url}: one error, CLOSED`,
    url,
    local: true,
    timeout: 2000,
  })),
  {
    name: 'scheme-data',
    about: 'a data: URL of type text/event-stream: its events, reconnecting when it ends (origin "null")',
    url: 'data:text/event-stream,retry:%2050%0Aid:%201%0Adata:%20d%C3%A9j%C3%A0%0A%0A',
    local: true,
    stop: { events: 3 },
  },
  {
    name: 'scheme-blob',
    about: 'a blob: URL of type text/event-stream (made by the page)',
    url: '%BLOB%',
    local: true,
    stop: { events: 3 },
  },
  {
    name: 'big-events',
    about: 'three 1 MiB events',
    url: `/events?count=3&interval=1ms&size=1048576&${R}`,
    summary: true,
    timeout: 15000,
  },
  {
    name: 'big-preset',
    about: 'a 1 MiB data line in one event, then a small one',
    url: preset('big'),
    summary: true,
    stop: { opens: 2 },
    timeout: 15000,
  },
  {
    name: 'many-events',
    about: '10,000 small events (count, hash, first and last compared)',
    url: `/events?count=10000&interval=0s&${R}`,
    summary: true,
    timeout: 20000,
  },
];

// firstDifference returns where log departs from want (strings, or
// RegExps for what the spec leaves to the implementation), or ''.
function firstDifference(want, log, label) {
  const n = Math.max(want.length, log.length);
  for (let i = 0; i < n; i++) {
    const w = want[i];
    const ok = w instanceof RegExp ? typeof log[i] === 'string' && w.test(log[i]) : w === log[i];
    if (!ok) {
      return `first difference at entry ${i}: spec ${w instanceof RegExp ? String(w) : JSON.stringify(w ?? '(none)')} / ${label} ${JSON.stringify(log[i] ?? '(none)')}`;
    }
  }
  return '';
}

// specFor returns the spec's answer for case c with this run's origins
// filled in, or null.
function specFor(c) {
  const a = specAnswers[c.name];
  if (!a) return null;
  const fill = (e) => (typeof e === 'string'
    ? e.replaceAll('%XORIGIN%', params.get('xorigin')).replaceAll('%XDENIED%', params.get('xdenied'))
    : e);
  return { log: a.log.map(fill), requests: (a.requests || []).map(fill) };
}

// requestsOf returns the requests the server recorded for a session (GET
// /sessions/{id}): method, path, and the Last-Event-ID header, lastEventId
// query parameter and Authorization scheme when present.
async function requestsOf(session) {
  const r = await fetch(`/sessions/${encodeURIComponent(session)}`, { cache: 'no-store' });
  if (!r.ok) return [`GET /sessions/${session}: ${r.status}`];
  const { recent = [] } = await r.json();
  return recent.map((q) => `${q.method} ${q.path}` +
    (q.last_event_id != null ? ` Last-Event-ID=${JSON.stringify(q.last_event_id)}` : '') +
    (q.last_event_id_query != null ? ` lastEventId=${JSON.stringify(q.last_event_id_query)}` : '') +
    (q.authorization != null ? ` Authorization=${q.authorization}` : ''));
}

async function runCase(c, runId, second) {
  const sessions = { native: `${runId}.${c.name}.native`, wasm: `${runId}.${c.name}.wasm` };
  const probe = c.shape ? shape : record;
  const [nat, ours] = await Promise.all([
    probe('native', withSession(c.url, sessions.native, c.local), c),
    probe(second, withSession(c.url, sessions.wasm, c.local), c),
  ]);
  [nat.requests, ours.requests] = await Promise.all([requestsOf(sessions.native), requestsOf(sessions.wasm)]);
  const problems = [];
  if (nat.timedOut) problems.push('native did not reach the stop condition');
  if (ours.timedOut) problems.push('ours did not reach the stop condition');
  const spec = specFor(c);
  let diff = '', departure = '', known = '';
  if (second === 'native') {
    // The harness check: native against itself, which must be deterministic.
    diff = firstDifference(nat.log, ours.log, 'native again') ||
      firstDifference(nat.requests, ours.requests, 'native again');
    if (diff) problems.push(diff);
  } else if (!spec) {
    problems.push(`no spec answer for ${c.name} in conformance-spec.js`);
  } else {
    // Ours is judged against the spec: what it reports, and the requests
    // the server saw (reconnects with their Last-Event-ID).
    diff = firstDifference(spec.log, ours.log, 'ours') ||
      (c.local ? '' : firstDifference(spec.requests, ours.requests, 'ours (requests)'));
    // A known platform difference is reported, not failed, when it shows.
    // It depends on timing (whether the reset lands in the same network
    // read as the data before it), so a run where ours meets the spec
    // passes too.
    if (diff && c.known) known = c.known;
    else if (diff) problems.push(diff);
    // Native beside it: its departures are recorded, not failed.
    departure = firstDifference(spec.log, nat.log, 'native') ||
      (c.local ? '' : firstDifference(spec.requests, nat.requests, 'native (requests)'));
  }
  return {
    name: c.name, about: c.about, url: c.url, pass: problems.length === 0, problems, sessions,
    known, diff, departure, preflight: !!c.preflight, probe: !!c.probe, shape: !!c.shape, local: !!c.local,
    native: nat, wasm: ours,
  };
}

const conformance = { done: false, running: false, results: [], cases, record, run };
window.conformance = conformance;

const $ = (id) => document.getElementById(id);

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
  return td;
}

function details(td, r) {
  const d = document.createElement('details');
  const s = document.createElement('summary');
  if (!r.pass) s.textContent = r.problems.join('; ');
  else if (r.known) s.textContent = `known difference: ${r.known}; ${r.diff}`;
  else s.textContent = `ours meets the spec (${r.wasm.log.length} entries)`;
  if (r.departure) s.textContent += `; native departs from it: ${r.departure}`;
  const logs = document.createElement('div');
  logs.className = 'logs';
  for (const [label, res] of [['native', r.native], ['ours', r.wasm]]) {
    const pre = document.createElement('pre');
    let text = `${label} (${res.ms} ms)\n` + res.log.join('\n');
    if (res.extras.length) text += '\nerror details: ' + JSON.stringify(res.extras);
    if (res.requests) text += '\nrequests the server saw:\n  ' + res.requests.join('\n  ');
    pre.textContent = text;
    logs.append(pre);
  }
  d.append(s, logs);
  td.append(d);
}

async function run() {
  if (conformance.running) return conformance.results;
  conformance.running = true;
  conformance.done = false;
  conformance.results = [];
  $('run').disabled = true;
  const only = (params.get('only') || '').split(',').filter(Boolean);
  const second = params.get('self') === '1' || $('self').checked ? 'native' : 'wasm';
  const runId = Math.random().toString(36).slice(2, 8);
  const tbody = $('results');
  tbody.replaceChildren();
  const t0 = performance.now();
  const selected = cases.filter((c) => (only.length === 0 || only.includes(c.name)) &&
    (c.needs || []).every((p) => params.has(p)));
  for (const [i, c] of selected.entries()) {
    $('status').textContent = `running ${i + 1}/${selected.length}: ${c.name}`;
    const tr = document.createElement('tr');
    tr.className = 'running';
    cell(tr, c.name);
    cell(tr, c.about);
    const verdict = cell(tr, 'running…', 'verdict');
    const det = cell(tr, '');
    tbody.append(tr);
    let r;
    try {
      r = await runCase(c, runId, second);
    } catch (e) {
      const empty = { log: [], extras: [], timedOut: false, ms: 0 };
      r = {
        name: c.name, about: c.about, url: c.url, pass: false, problems: [`harness error: ${e}`],
        known: '', diff: '', native: empty, wasm: empty,
      };
    }
    conformance.results.push(r);
    tr.className = r.pass ? 'pass' : 'fail';
    if (r.pass && r.known) tr.className = 'known';
    verdict.textContent = !r.pass ? 'FAILS' : r.known ? 'differs (known)' : 'meets the spec';
    details(det, r);
  }
  const failed = conformance.results.filter((r) => !r.pass).length;
  const known = conformance.results.filter((r) => r.pass && r.known).length;
  $('status').textContent = `${selected.length - failed}/${selected.length} cases pass` +
    (known ? ` (${known} with a known difference)` : '') + ` in ${Math.round(performance.now() - t0)} ms` +
    (second === 'native' ? ' (harness check: native vs native)' : '');
  $('run').disabled = false;
  conformance.running = false;
  conformance.done = true;
  return conformance.results;
}

$('run').addEventListener('click', () => { run(); });
if (params.get('autorun') === '1') run();
