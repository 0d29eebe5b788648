// The client benchmark page. `go run ./bench` loads it in headless Chromium
// and calls window.bench.* through the DevTools protocol; every call returns
// plain JSON. Each contender is loaded on demand, so a cold page load
// (?cold=NAME) pays only for the library under test.

// Capture the WebAssembly memories the page instantiates (our module's Go
// heap lives there, outside the JS heap), so the driver can report them
// next to the JS heap.
const wasmMemories = [];
for (const name of ['instantiateStreaming', 'instantiate']) {
  const orig = WebAssembly[name];
  WebAssembly[name] = async function (...args) {
    const r = await orig.apply(this, args);
    const inst = r instanceof WebAssembly.Instance ? r : r.instance;
    if (inst && inst.exports.mem instanceof WebAssembly.Memory) wasmMemories.push(inst.exports.mem);
    return r;
  };
}

const NM = '/bench/node_modules';

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error('cannot load ' + src));
    document.head.append(s);
  });
}

// wire forwards an EventSource-shaped object's events to the handlers and
// returns its close function.
function wire(es, h) {
  es.addEventListener('message', (e) => h.message(e.data));
  es.addEventListener('done', () => h.done());
  es.addEventListener('error', (e) => h.error(e && (e.message || e.status) ? String(e.message || e.status) : 'error event'));
  return () => es.close();
}

// Each contender: load() fetches its code (once per page), open(url, h)
// starts a stream and returns a close function.
const contenders = {
  native: {
    async load() {},
    open: (url, h) => wire(new EventSource(url), h),
  },
  wasm: {
    mod: null,
    async load() {
      if (this.mod) return;
      this.mod = await import('/eventsource-wasm.js');
      // ?wasmURL= is the content-hashed, immutable name of eventsource.wasm.
      const wasmURL = new URLSearchParams(location.search).get('wasmURL');
      if (wasmURL) this.mod.configure({ wasmURL });
    },
    async warm() { await this.mod.ready(); },
    open(url, h) { return wire(new this.mod.WasmEventSource(url), h); },
  },
  // Ours' stream API: plain objects from a ReadableStream, no MessageEvent.
  stream: {
    mod: null,
    async load() { this.mod ??= await import('/eventsource-wasm.js'); },
    async warm() { await this.mod.ready(); },
    open(url, h) {
      const reader = this.mod.openEventStream(url).getReader();
      (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          const ev = r.value;
          if (ev.type === 'message') h.message(ev.data);
          else if (ev.type === 'done') h.done();
        }
      })().catch((err) => h.error(String(err?.message ?? err)));
      return () => reader.cancel();
    },
  },
  polyfill: {
    async load() { if (!globalThis.EventSourcePolyfill) await loadScript(NM + '/event-source-polyfill/src/eventsource.min.js'); },
    // Its 45 s default heartbeat timeout would reconnect a quiet stream.
    open: (url, h) => wire(new globalThis.EventSourcePolyfill(url, { heartbeatTimeout: 3600e3 }), h),
  },
  eventsource: {
    ES: null,
    async load() { this.ES ??= (await import(NM + '/eventsource/dist/index.js')).EventSource; },
    open(url, h) { return wire(new this.ES(url), h); },
  },
  fetch: {
    fn: null,
    async load() { this.fn ??= (await import(NM + '/@microsoft/fetch-event-source/lib/esm/index.js')).fetchEventSource; },
    open(url, h) {
      const ac = new AbortController();
      this.fn(url, {
        signal: ac.signal,
        openWhenHidden: true,
        onmessage(m) {
          if (m.event === 'done') h.done();
          else if ((m.event === '' || m.event === 'message') && (m.data !== '' || m.id !== '')) h.message(m.data);
        },
        onerror(err) { h.error(String(err)); throw err; }, // no retry: a failure ends the run
      }).catch(() => {});
      return () => ac.abort();
    },
  },
};

async function load(name) {
  const c = contenders[name];
  if (!c) throw new Error('unknown contender ' + name);
  await c.load();
  if (c.warm) await c.warm();
  return c;
}

// stream opens url with contender c and resolves when `until` says so, or
// rejects after timeoutMs. onMessage(data, t) sees every message.
function stream(c, url, { onMessage, untilDone = true, timeoutMs }) {
  return new Promise((resolve, reject) => {
    let close = null;
    let finished = false;
    const finish = (err) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      try { close && close(); } catch {}
      err ? reject(err) : resolve();
    };
    const errors = [];
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms; errors: ${errors.join(', ') || 'none'}`)), timeoutMs);
    const h = {
      message(data) {
        if (onMessage(data, performance.now()) === false) finish();
      },
      done() { if (untilDone) finish(); },
      error(msg) {
        // A stream that ends after `done` makes some clients report an
        // error before close; only errors before that count.
        if (!finished) errors.push(msg);
      },
    };
    close = c.open(url, h);
  });
}

// eventWays are ways to build the MessageEvent of one message, measured by
// bench.construct: 'realm' is how eventsource-wasm.js builds it (a plain
// MessageEvent of the page's realm: data through the constructor, then
// lastEventId and origin as own read-only properties); 'subclass' is the
// MessageEvent subclass it used before, whose constructor was not
// MessageEvent; 'init' passes everything through the init dictionary.
class SubclassMessageEvent extends MessageEvent {
  #lastEventId;
  #origin;
  constructor(type, data, lastEventId, origin) {
    super(type, { data });
    this.#lastEventId = lastEventId;
    this.#origin = origin;
  }
  get lastEventId() { return this.#lastEventId; }
  get origin() { return this.#origin; }
}
const eventWays = {
  realm(type, data, lastEventId, origin) {
    const ev = new MessageEvent(type, { data });
    if (lastEventId !== '') Object.defineProperty(ev, 'lastEventId', { value: lastEventId });
    Object.defineProperty(ev, 'origin', { value: origin });
    return ev;
  },
  subclass: (type, data, lastEventId, origin) => new SubclassMessageEvent(type, data, lastEventId, origin),
  init: (type, data, lastEventId, origin) => new MessageEvent(type, { data, lastEventId, origin }),
};

// parsers turn a ReadableStream of bytes into one of parsed events, for
// bench.parse: ours, and eventsource-parser's stream (which takes text, so
// the bytes go through a TextDecoderStream first, as its README does).
const parsers = {
  wasm: {
    async load() { await contenders.stream.load(); await contenders.stream.warm(); },
    pipe: (bytes) => bytes.pipeThrough(new contenders.stream.mod.EventStreamParser()),
  },
  'eventsource-parser': {
    Stream: null,
    async load() { this.Stream ??= (await import(NM + '/eventsource-parser/dist/stream.js')).EventSourceParserStream; },
    pipe(bytes) { return bytes.pipeThrough(new TextDecoderStream()).pipeThrough(new this.Stream()); },
  },
};

// streamBytes is count events of size bytes of data, with ids, encoded once
// and cut into 64 KiB chunks.
const encoded = new Map();
function streamBytes(count, size) {
  const key = `${count}x${size}`;
  if (!encoded.has(key)) {
    const data = 'x'.repeat(size);
    let text = '';
    for (let i = 0; i < count; i++) text += `id: ${i}\ndata: ${data}\n\n`;
    const all = new TextEncoder().encode(text);
    const chunks = [];
    for (let i = 0; i < all.length; i += 65536) chunks.push(all.subarray(i, i + 65536));
    encoded.set(key, chunks);
  }
  return encoded.get(key);
}

const bench = {
  contenders: Object.keys(contenders),

  // parse times parser `name` on count events of size bytes, from the first
  // chunk in to the last event read out, and returns events, bytes, ms.
  async parse(name, count, size) {
    const p = parsers[name];
    await p.load();
    const chunks = streamBytes(count, size);
    const t0 = performance.now();
    const reader = p.pipe(new ReadableStream({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    })).getReader();
    let events = 0, bytes = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      events++;
      bytes += r.value.data.length;
    }
    const ms = performance.now() - t0;
    if (events !== count) throw new Error(`${name}: parsed ${events} events, want ${count}`);
    return { events, bytes, ms };
  },
  eventWays: Object.keys(eventWays),

  // construct builds and dispatches count message events the given way to
  // one listener that reads their fields, as a page's onmessage would, and
  // returns the time taken. The data are 64-character strings, the ids
  // numbers as strings: the 64 B burst's events without the network.
  construct(way, count) {
    const make = eventWays[way];
    const target = new EventTarget();
    let sink = 0;
    target.addEventListener('message', (e) => { sink += e.data.length + e.lastEventId.length + e.origin.length; });
    const data = 'x'.repeat(64);
    const origin = location.origin;
    const t0 = performance.now();
    for (let i = 0; i < count; i++) target.dispatchEvent(make('message', data, String(i), origin));
    const ms = performance.now() - t0;
    if (sink === 0) throw new Error('the listener saw nothing');
    return { ms };
  },

  // load makes sure a contender's code is loaded (and our module ready).
  async load(name) { await load(name); return true; },

  // burst counts the events of a finite stream from `new` to its `done`
  // event: events/s and MB/s of data (UTF-16 code units are bytes here:
  // the data is ASCII). source 'server' is the project's /events (a flush
  // per event); 'preencoded' the same events written in 64 KiB pieces.
  async burst(name, count, size, timeoutMs, source = 'server') {
    const c = await load(name);
    let events = 0, bytes = 0, first = 0;
    const url = source === 'preencoded'
      ? `/bench/stream?count=${count}&size=${size}`
      : `/events?interval=0&count=${count}&size=${size}&done=1`;
    const t0 = performance.now();
    await stream(c, url, {
      timeoutMs,
      onMessage(data, t) {
        if (events === 0) first = t - t0;
        events++;
        bytes += data.length;
      },
    });
    const ms = performance.now() - t0;
    if (events !== count) throw new Error(`${name}: got ${events} events, want ${count}`);
    return { events, bytes, ms, firstMs: first };
  },

  // ticker receives an event every intervalMs for count events and returns
  // each event's receive delay: local time minus the server's timestamp.
  async ticker(name, intervalMs, count, timeoutMs) {
    const c = await load(name);
    const delays = [];
    const url = `/events?interval=${intervalMs}ms&count=${count}&ts=1&done=1`;
    await stream(c, url, {
      timeoutMs,
      onMessage(data, t) {
        delays.push(performance.timeOrigin + t - JSON.parse(data).ts);
      },
    });
    if (delays.length !== count) throw new Error(`${name}: got ${delays.length} events, want ${count}`);
    return { delays };
  },

  // firstEvent is the time from `new` to the first event with everything
  // loaded (warm).
  async firstEvent(name, timeoutMs) {
    const c = await load(name);
    const t0 = performance.now();
    let t1 = 0;
    await stream(c, '/events?interval=0&count=1', {
      untilDone: false,
      timeoutMs,
      onMessage(_, t) { t1 = t; return false; },
    });
    return { ms: t1 - t0 };
  },

  wasmMemoryBytes() {
    return wasmMemories.reduce((n, m) => n + m.buffer.byteLength, 0);
  },
};

// cold measures, on a fresh page load, the time from starting to load the
// contender to its first event, and from `new` to the first event (for our
// module `new` comes before the module is instantiated, as a page would do
// it, so it includes download, compile and instantiate).
async function cold(name, timeoutMs) {
  const c = contenders[name];
  const tLoad = performance.now();
  await c.load();
  let tReady = 0;
  if (name === 'wasm') c.mod.ready().then(() => { tReady = performance.now(); });
  const tNew = performance.now();
  let t1 = 0;
  await stream(c, '/events?interval=0&count=1', {
    untilDone: false,
    timeoutMs,
    onMessage(_, t) { t1 = t; return false; },
  });
  const res = { sinceNavigationMs: t1, sinceLoadMs: t1 - tLoad, sinceNewMs: t1 - tNew };
  const wasm = performance.getEntriesByType('resource').find((e) => /\/eventsource(\.[0-9a-f]{16})?\.wasm$/.test(e.name));
  if (wasm) {
    res.wasmFetchMs = wasm.responseEnd - wasm.startTime;
    res.wasmBytes = wasm.transferSize;
  }
  if (tReady) res.readySinceNewMs = tReady - tNew; // compile + instantiate done
  return res;
}

// sharedTab measures `new WasmEventSource(url, { shared: true })` → open
// and → first event, and leaves the source open for the next tab to join.
async function sharedTab(timeoutMs) {
  const { WasmEventSource } = await import('/eventsource-wasm.js');
  const tNew = performance.now();
  const es = new WasmEventSource('/events?interval=10ms', { shared: true });
  return new Promise((resolve, reject) => {
    let tOpen = 0;
    const timer = setTimeout(() => reject(new Error(`shared: no event in ${timeoutMs} ms`)), timeoutMs);
    es.onopen = () => { tOpen ||= performance.now(); };
    es.onerror = (e) => { if (es.readyState === 2) reject(new Error(`shared: ${e.message ?? 'error'}`)); };
    es.onmessage = () => {
      const t1 = performance.now();
      clearTimeout(timer);
      es.onmessage = null;
      resolve({ sinceNewMs: t1 - tNew, openSinceNewMs: tOpen - tNew });
    };
  });
}

window.bench = bench;
const params = new URLSearchParams(location.search);
const status = document.getElementById('status');
if (params.has('cold')) {
  window.coldResult = cold(params.get('cold'), Number(params.get('timeout') || 20000));
  window.coldResult.then((r) => { status.textContent = JSON.stringify(r); }, (e) => { status.textContent = String(e); });
} else if (params.has('shared')) {
  window.sharedResult = sharedTab(Number(params.get('timeout') || 20000));
  window.sharedResult.then((r) => { status.textContent = JSON.stringify(r); }, (e) => { status.textContent = String(e); });
} else {
  status.textContent = 'ready';
}
window.benchReady = true;
