// eventsource-wasm: an EventSource written in Go, compiled to WebAssembly,
// running on fetch and ReadableStream.
//
//   import { WasmEventSource, ready, installPolyfill } from '/eventsource-wasm.js';
//   const es = new WasmEventSource('/events', { headers: async () => ({ Authorization: `Bearer ${await token()}` }) });
//   es.onmessage = (e) => console.log(e.data, e.lastEventId);
//
// The module loads ./eventsource.wasm (and ./wasm_exec.js when the page has
// not loaded it) relative to its own URL, once per page, on first use: both
// are written as `new URL('./…', import.meta.url)` and `import('./…')`, the
// patterns that bundlers follow to emit the files. configure() points
// elsewhere. Importing the module does nothing else, so it is safe in Node
// and during server-side rendering. Every connection shares that one Go
// instance. The Go side (wasm/cmd/eventsource) hands over the events of each
// network chunk in one call, as offsets into wasm memory that are decoded
// here (readBatch) and dispatched as MessageEvents.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

let loading = null; // the promise of the bridge
let lastId = 0; // the last connection or parser key handed to the bridge
let wasmURL = null; // configure()'s URLs, null for the default next to this module
let wasmExecURL = null;
let sharedWorkerURL = null;
let attachSink; // (source, sink): makes an openEventStream source hand its events to sink
let memory = null; // the module's WebAssembly.Memory; it can grow (detaching its buffer) whenever Go runs
const inputSize = 64 << 10; // the size of an input's buffer: inputSize in wasm/cmd/eventsource/input.go

/**
 * Sets where the module's files are, for pages that host them elsewhere than
 * next to this module (a CDN, a bundler that does not emit them). Call it
 * before the first connection. sharedWorkerURL locates
 * eventsource-shared-worker.js for `shared: true` sources; the worker loads
 * the module from the same wasmURL and wasmExecURL.
 * @param {{ wasmURL?: string | URL, wasmExecURL?: string | URL, sharedWorkerURL?: string | URL }} options
 */
export function configure(options = {}) {
  if (loading) throw new Error('eventsource-wasm: configure() must be called before the first connection');
  const url = (v) => (v == null ? null : new URL(v, baseURL()).href);
  wasmURL = url(options.wasmURL);
  wasmExecURL = url(options.wasmExecURL);
  sharedWorkerURL = url(options.sharedWorkerURL);
}

/**
 * Loads and starts eventsource.wasm, once per page. Connections made before
 * it is ready wait for it; awaiting ready() is optional.
 * @returns {Promise<void>}
 */
export function ready() {
  return bridge().then(() => undefined);
}

function bridge() {
  // A failed load (say, the network was down) is not cached: the next
  // connection tries again.
  loading ??= load().catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function load() {
  if (typeof globalThis.Go !== 'function') {
    // wasm_exec.js is a classic script that only sets globalThis.Go, so it
    // runs unchanged when imported as a module.
    if (wasmExecURL) await import(/* @vite-ignore */ /* webpackIgnore: true */ wasmExecURL);
    else await import('./wasm_exec.js');
  }
  const go = new globalThis.Go();
  const url = wasmURL ?? new URL('./eventsource.wasm', import.meta.url).href;
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`loading ${url} failed: ${response.status} ${response.statusText}`);
  }
  let instance;
  try {
    ({ instance } = response.headers.get('content-type')?.startsWith('application/wasm')
      ? await WebAssembly.instantiateStreaming(response, go.importObject)
      : await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject));
  } catch (err) {
    // A Content-Security-Policy without 'wasm-unsafe-eval' refuses to
    // compile any module; say what to change rather than only what failed.
    if (/Content.Security.Policy|unsafe-eval|\bCSP\b/i.test(err?.message)) {
      throw new Error(`the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive (${err.message})`);
    }
    throw err;
  }
  // run() executes main synchronously until it waits for callbacks, and
  // main registers the bridge first; the promise only settles on exit.
  memory = instance.exports.mem;
  const { exports } = instance;
  go.run(instance).catch((err) => console.error('eventsource.wasm stopped:', err));
  const raw = globalThis.__eventsourceWasm;
  if (!raw) throw new Error('eventsource.wasm did not start');
  // The Go side hands over each chunk's events as the address of a table
  // in wasm memory; the bridge that the rest of this module (and the shared
  // worker) uses passes them on decoded, as [type, data, lastEventId, …].
  const b = {
    ...raw,
    memory, // for tests and debugging: its buffer is detached each time it grows
    // connect(id, url, cfg, cb): cb.batch gets each chunk's events, and
    // returns false once it wants no more (its source closed). Go calls
    // pump with each response body's reader and the address of the buffer
    // of input id, which it registered for the body: pump feeds the body
    // into it, and its promise settles when the body ends (or a read
    // fails: it rejects) or Go stops it; Go waits for it once per body.
    connect: (id, url, cfg, cb) => raw.connect(id, url, cfg, {
      ...cb,
      async pump(reader, at) {
        const input = { key: id, at, size: inputSize };
        for (;;) {
          const { done, value } = await reader.read();
          if (done || !b.feed(input, value, cb.batch)) return;
        }
      },
    }),
    // parser() makes a parser for EventStreamParser: an input for feed.
    parser() {
      const key = ++lastId;
      return { key, at: raw.parser(key), size: inputSize };
    },
    // feed(input, bytes, fn) copies bytes into the input's buffer in pieces
    // of at most its size, and calls the module's eventsourceFeed export
    // on each (see wasm/cmd/eventsource/input.go); fn gets each piece's
    // events as readBatch decodes them. It returns true when all went in,
    // false when the input stopped (it refused the bytes, or its
    // connection stops) or fn returned false (stop).
    feed(input, bytes, fn) {
      for (let i = 0; i < bytes.length; i += input.size) {
        const piece = bytes.subarray(i, i + input.size);
        new Uint8Array(memory.buffer, input.at, piece.length).set(piece); // the buffer anew: fn may have grown the memory
        const out = exports.eventsourceFeed(input.key, piece.length);
        // A batch's address is a multiple of 4; below 4 are the flags
        // alone, which a batch's header holds too: 1 stop, 2 wake.
        const flags = out < 4 ? out : new Uint32Array(memory.buffer, out + 28, 1)[0];
        const batch = out < 4 ? null : readBatch(out);
        // The piece started a timer inside the export: let the Go
        // scheduler run, which gives it a timeout.
        if (flags & 2) raw.wake();
        if ((batch && fn(batch) === false) || flags & 1) return false;
      }
      return true;
    },
  };
  globalThis.__eventsourceWasm = b;
  return b;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // a BOM inside a field is content
const utf8Pieces = new TextDecoder('utf-8', { ignoreBOM: true }); // decode's, in stream mode

// decodePiece is how many bytes decode hands TextDecoder at a time.
// Chromium 156 decoded 50 MiB of 1 MiB spans 2–3 times faster in pieces of
// 32–128 KiB than whole (7.6–11.6 vs 27.6 ms), and no slower when the
// joined string was then read, which flattens it. On `make bench`'s
// "parser: 50 x 1 MiB" it took EventStreamParser from 0.6–0.7× to
// 1.1–1.3× eventsource-parser.
const decodePiece = 64 << 10;

// decode decodes bytes as UTF-8, in pieces when they are many: decoding
// the pieces in stream mode gives exactly what decoding them whole does,
// code points split between pieces included.
function decode(bytes) {
  if (bytes.length <= decodePiece) return utf8.decode(bytes);
  let s = '';
  for (let i = 0; i < bytes.length; i += decodePiece) s += utf8Pieces.decode(bytes.subarray(i, i + decodePiece), { stream: true });
  return s + utf8Pieces.decode();
}

/**
 * Decodes the batch whose table is at ptr in wasm memory (see
 * wasm/cmd/eventsource/batch.go) straight from views of that memory, with
 * no other copy: [type, data, lastEventId] per event, in one flat array.
 * The fields in the chunk are decoded in one pass over the span they come
 * from, and so are those in the arena; each field is then a slice of that
 * string, which is exact when the string has one UTF-16 unit per byte
 * (ASCII, or invalid bytes that each become U+FFFD). Otherwise each field
 * is decoded alone: fields end at ASCII bytes, so decoding one alone gives
 * what decoding the whole stream would. It runs while Go waits, so the
 * memory cannot grow under it; the caller dispatches only once it returns.
 */
function readBatch(ptr) {
  if (ptr === 0) return [];
  const buf = memory.buffer; // taken anew on each call: growing the memory detaches the old one
  const [chunkAt, chunkLen, lo, hi, arenaAt, arenaLen, n] = new Uint32Array(buf, ptr, 7);
  const table = new Uint32Array(buf, ptr + 32, n * 6);
  const chunk = span(buf, chunkAt + lo, hi - lo);
  // When the arena holds a big field (data of many lines, or of a line
  // split across chunks), its fields are decoded one by one: slicing one
  // out of the decoded arena would flatten the pieces decode joined. An
  // arena of many small fields (the IDs of a big chunk) is decoded whole.
  const arena = hasBigField(table, chunkLen, arenaLen) ? null : span(buf, arenaAt, arenaLen);
  const field = (s, e) => {
    if (s === e) return '';
    if (s < chunkLen) return chunk !== null ? chunk.slice(s - lo, e - lo) : decode(new Uint8Array(buf, chunkAt + s, e - s));
    return arena !== null ? arena.slice(s - chunkLen, e - chunkLen) : decode(new Uint8Array(buf, arenaAt + s - chunkLen, e - s));
  };
  const out = new Array(n * 3);
  let idAt = -1, id = '';
  for (let i = 0, j = 0; j < table.length; i += 3, j += 6) {
    out[i] = table[j] === table[j + 1] ? 'message' : field(table[j], table[j + 1]);
    out[i + 1] = field(table[j + 2], table[j + 3]);
    if (table[j + 4] !== idAt) id = field(idAt = table[j + 4], table[j + 5]); // an ID that repeats has the same place
    out[i + 2] = id;
  }
  return out;
}

// hasBigField reports whether a batch's arena, arenaLen bytes, holds a
// field over decodePiece bytes (table: the batch's [start, end) pairs).
function hasBigField(table, chunkLen, arenaLen) {
  if (arenaLen <= decodePiece) return false;
  for (let j = 0; j < table.length; j += 2) {
    if (table[j] >= chunkLen && table[j + 1] - table[j] > decodePiece) return true;
  }
  return false;
}

// span decodes len bytes at addr, and returns the string when each byte
// became one UTF-16 unit, so that byte offsets are string offsets; else null.
function span(buf, addr, len) {
  if (len <= 0) return '';
  const s = decode(new Uint8Array(buf, addr, len));
  return s.length === len ? s : null;
}

// sharedBridge returns the transport of a `shared: true` source: through
// the origin's SharedWorker, or a leader tab, or this page's own bridge
// when the browser offers neither (eventsource-shared.js).
async function sharedBridge(url, cfg) {
  const { sharedTransport } = await import('./eventsource-shared.js');
  return sharedTransport(url, cfg, bridge, { wasmURL, wasmExecURL, sharedWorkerURL }) ?? bridge();
}

function baseURL() {
  return globalThis.document?.baseURI ?? globalThis.location?.href;
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * Builds the bridge configuration from the init dictionary. Bad values
 * throw a TypeError from the constructor, as bad arguments do for native;
 * nothing is silently converted into something else.
 */
function parseInit(init) {
  if (init == null) init = {};
  else if (typeof init !== 'object' && typeof init !== 'function') fail('the init argument must be an object');
  const cfg = {
    withCredentials: Boolean(init.withCredentials),
    method: method(init.method),
    lastEventId: '',
    lastEventIdQuery: '',
    maxRetries: 0,
    retryOnStatus: [],
    heartbeatTimeout: 0,
    maxEventSize: 0,
  };
  if (init.lastEventId != null) {
    if (typeof init.lastEventId !== 'string' && typeof init.lastEventId !== 'number') fail('lastEventId must be a string');
    cfg.lastEventId = String(init.lastEventId);
  }
  let headers = new Headers();
  if (typeof init.headers === 'function') {
    cfg.headersFn = init.headers;
  } else if (init.headers != null) {
    headers = new Headers(init.headers); // throws TypeError on bad names or values
  }
  cfg.headers = headers;
  if (init.shared) {
    cfg.shared = true;
    if (init.shareKey != null) cfg.shareKey = String(init.shareKey);
  }
  const q = init.lastEventIdQuery;
  if (q === true) cfg.lastEventIdQuery = 'lastEventId';
  else if (typeof q === 'string' && q !== '') cfg.lastEventIdQuery = q;
  else if (q != null && q !== false) fail('lastEventIdQuery must be a boolean or a parameter name');
  const b = init.backoff;
  if (b === true || (b !== null && typeof b === 'object')) {
    const o = b === true ? {} : b;
    cfg.backoff = { initial: number(o.initial, 'backoff.initial'), max: number(o.max, 'backoff.max'), factor: number(o.factor, 'backoff.factor') };
  } else if (b != null && b !== false) {
    fail('backoff must be a boolean or an object');
  }
  if (init.maxRetries != null && init.maxRetries !== Infinity) {
    const n = Math.floor(number(init.maxRetries, 'maxRetries'));
    cfg.maxRetries = n > 0 ? n : -1; // the bridge reads 0 as "no limit", <0 as "never"
  }
  const statuses = init.retryOnStatus;
  if (statuses != null) {
    if (typeof statuses !== 'object' || typeof statuses[Symbol.iterator] !== 'function') fail('retryOnStatus must be an array of statuses');
    cfg.retryOnStatus = Array.from(statuses, (s) => {
      if (!Number.isInteger(s) || s < 100 || s > 599) fail(`retryOnStatus: ${String(s)} is not an HTTP status`);
      return s;
    });
  }
  // The bridge reads 0 as "learn from the server's heartbeats", <0 as "never".
  if (init.heartbeatTimeout != null) cfg.heartbeatTimeout = number(init.heartbeatTimeout, 'heartbeatTimeout') || -1;
  cfg.maxEventSize = Math.floor(number(init.maxEventSize, 'maxEventSize'));
  if (init.signal != null && !(init.signal instanceof AbortSignal)) fail('signal must be an AbortSignal');
  if (init.fetch != null) {
    if (typeof init.fetch !== 'function') fail('fetch must be a function');
    // A shared stream's requests are made in a SharedWorker or by the
    // leading tab, which cannot call a function of this page.
    if (init.shared) fail('fetch cannot be used with shared: a shared stream is fetched in a SharedWorker or another tab, and a function cannot be sent there');
    cfg.fetch = init.fetch;
  }
  return cfg;
}

function fail(what) {
  throw new TypeError(`WasmEventSource: ${what}`);
}

function number(v, name) {
  if (v == null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${name} must be a non-negative number`);
  return v;
}

// A method is an HTTP token; fetch refuses CONNECT, TRACE and TRACK.
function method(m) {
  if (m == null) return 'GET';
  if (typeof m !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m) || /^(connect|trace|track)$/i.test(m)) {
    fail(`method ${JSON.stringify(String(m))} is not a method fetch can send`);
  }
  return m;
}

// lifecycleRules reads the lifecycle option: every rule is on unless
// turned off, all at once with false or one by one.
function lifecycleRules(v) {
  if (v == null || v === true) return { online: true, bfcache: true, resume: true };
  if (v === false) return { online: false, bfcache: false, resume: false };
  if (typeof v !== 'object') fail('lifecycle must be a boolean or an object');
  const rule = (name) => {
    if (v[name] == null) return true;
    if (typeof v[name] !== 'boolean') fail(`lifecycle.${name} must be a boolean`);
    return v[name];
  };
  return { online: rule('online'), bfcache: rule('bfcache'), resume: rule('resume') };
}

// Init members that the browser's EventSource understands as ours does.
const nativeOptions = new Set(['withCredentials', 'fallback']);

/**
 * Returns '' when the browser's EventSource can stand in for init's
 * connection, or why it cannot.
 */
function nativeBlocker(init) {
  const Native = globalThis.NativeEventSource ?? globalThis.EventSource;
  if (typeof Native !== 'function' || Native === WasmEventSource) return 'this context has no EventSource';
  const ours = Object.keys(init).filter((k) => init[k] != null && !nativeOptions.has(k) && !(k === 'method' && String(init.method).toUpperCase() === 'GET'));
  return ours.length ? `the option ${ours.join(', ')} needs eventsource-wasm` : '';
}

/** Reads any fetch body (string, Blob, FormData, buffer...) as bytes and its implied content type. */
async function readBody(body) {
  const r = new Response(body);
  return { bytes: new Uint8Array(await r.arrayBuffer()), contentType: r.headers.get('content-type') };
}

/**
 * An EventSource that runs in WebAssembly on fetch, with request headers,
 * POST bodies, a configurable reconnection policy and page lifecycle
 * handling.
 */
export class WasmEventSource extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  #url;
  #withCredentials;
  #readyState = CONNECTING;
  #id = 0; // the bridge's connection id, 0 when none
  #bridge = null; // what #id belongs to: the bridge, or a shared transport
  #origin = '';
  #handlers = new Map(); // event handler attributes: type → { fn, listener }
  #fallback = null; // fallback: 'native' asked for: '' when allowed, else why not
  #native = null; // the browser's EventSource when it stands in for the module
  #types = new Set(['message']); // event types listened for, which a native stand-in forwards
  #sink = null; // openEventStream's: takes each event as a plain object, instead of a dispatched MessageEvent
  #rules; // the lifecycle rules in force: { online, bfcache, resume }
  #debug = false;
  #signal = null;
  #onAbort = null;

  static {
    attachSink = (es, sink) => { es.#sink = sink; };
  }

  constructor(url, init = undefined) {
    super();
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'WasmEventSource': 1 argument required, but only 0 present.");
    }
    let parsed;
    try {
      parsed = new URL(url, baseURL());
    } catch {
      throw new DOMException(`Failed to construct 'WasmEventSource': The URL '${url}' is invalid.`, 'SyntaxError');
    }
    this.#url = parsed.href;
    const cfg = parseInit(init);
    init ??= {};
    this.#withCredentials = cfg.withCredentials;
    if (init.fallback === 'native') this.#fallback = nativeBlocker(init);
    this.#rules = lifecycleRules(init.lifecycle);
    this.#debug = Boolean(init.debug);
    if (init.signal) {
      if (init.signal.aborted) {
        this.#log('closed: the signal was already aborted');
        this.#readyState = CLOSED;
        return;
      }
      this.#signal = init.signal;
      this.#onAbort = () => this.close();
      this.#signal.addEventListener('abort', this.#onAbort);
    }
    this.#log('connecting', cfg.lastEventId ? `with Last-Event-ID ${JSON.stringify(cfg.lastEventId)}` : '');
    this.#start(cfg, init.body);
  }

  get url() { return this.#url; }
  get withCredentials() { return this.#withCredentials; }
  get readyState() { return this.#readyState; }

  get onopen() { return this.#handlers.get('open')?.fn ?? null; }
  set onopen(fn) { this.#setHandler('open', fn); }
  get onmessage() { return this.#handlers.get('message')?.fn ?? null; }
  set onmessage(fn) { this.#setHandler('message', fn); }
  get onerror() { return this.#handlers.get('error')?.fn ?? null; }
  set onerror(fn) { this.#setHandler('error', fn); }

  /** Closes the connection: the request is aborted and no event follows. */
  close() {
    if (this.#readyState === CLOSED) return;
    this.#log('closed');
    this.#readyState = CLOSED;
    this.#forget();
  }

  /**
   * Drops the current connection, or cuts short the wait before the next
   * one, and reconnects at once, keeping Last-Event-ID. Does nothing once
   * CLOSED.
   */
  reconnect() {
    if (this.#readyState === CLOSED) return;
    this.#log('reconnect() called');
    if (this.#id) this.#bridge.control?.(this.#id, 'reconnect');
  }

  // #forget releases what ties the source to the bridge, the page and the
  // signal, once it is CLOSED.
  #forget() {
    if (this.#id) {
      this.#bridge.close(this.#id); // an id means the bridge is running
      this.#id = 0;
    }
    this.#native?.close();
    this.#native = null;
    WasmEventSource.#live.delete(this);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#signal = null;
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    type = String(type);
    if (this.#types.has(type)) return;
    this.#types.add(type);
    if (this.#native) this.#forward(type);
  }

  async #start(cfg, body) {
    let b;
    try {
      if (body != null) {
        const { bytes, contentType } = await readBody(body);
        cfg.body = bytes;
        if (contentType && !cfg.headers.has('content-type')) cfg.headers.set('content-type', contentType);
      }
      b = await (cfg.shared ? sharedBridge(this.#url, cfg) : bridge());
    } catch (err) {
      if (this.#readyState === CLOSED) return;
      if (this.#fallback === '') {
        this.#fallBackToNative();
        return;
      }
      const why = this.#fallback ? `; no native fallback: ${this.#fallback}` : '';
      this.#report(CLOSED, 0, '', `eventsource-wasm: ${err?.message ?? err}${why}`);
      return;
    }
    if (this.#readyState === CLOSED) return; // closed while loading: no request at all
    // The id is set before connect runs, since Go may report (and a
    // listener may call close()) before connect returns.
    this.#id = ++lastId;
    this.#bridge = b;
    WasmEventSource.#watchPage(this);
    const err = b.connect(this.#id, this.#url, cfg, {
      open: (status, url, headers) => this.#opened(status, url, headers),
      batch: (batch) => this.#dispatchBatch(batch), // false once closed: the pump stops
      error: (state, status, statusText, message) => this.#report(state, status, statusText, message),
      retrying: (attempt, delay, cause, message) => this.#retrying(attempt, delay, cause, message),
    });
    if (err) this.#report(CLOSED, 0, '', err);
  }

  // #fallBackToNative lets the browser's EventSource carry the connection,
  // when the module cannot load and fallback: 'native' allows it.
  #fallBackToNative() {
    const Native = globalThis.NativeEventSource ?? globalThis.EventSource;
    const es = new Native(this.#url, { withCredentials: this.#withCredentials });
    this.#native = es;
    es.onopen = () => this.#opened(0, this.#url, {});
    es.onerror = () => {
      if (es.readyState === CLOSED) this.#native = null;
      this.#report(es.readyState, 0, '', '');
    };
    for (const type of this.#types) this.#forward(type);
  }

  #forward(type) {
    this.#native.addEventListener(type, (e) => {
      if (this.#readyState === CLOSED) return;
      if (this.#sink) this.#sink({ type, data: e.data, lastEventId: e.lastEventId });
      else this.dispatchEvent(messageEvent(type, e.data, e.lastEventId, e.origin));
    });
  }

  // The page lifecycle: one set of listeners for the page, which pass
  // each event to the live sources whose rule for it is on.
  static #live = new Set();
  static #listening = false;

  static #watchPage(es) {
    WasmEventSource.#live.add(es);
    if (globalThis.navigator?.onLine === false) es.#control('online', 'offline');
    if (WasmEventSource.#listening) return;
    WasmEventSource.#listening = true;
    const all = (rule, command) => {
      for (const live of WasmEventSource.#live) live.#control(rule, command);
    };
    const on = (target, type, fn) => target?.addEventListener?.(type, fn);
    on(globalThis, 'offline', () => all('online', 'offline'));
    on(globalThis, 'online', () => all('online', 'online'));
    // The connection is closed when the page enters the back/forward cache,
    // so the page stays eligible for it and the server sees the stream end.
    on(globalThis, 'pagehide', (e) => e.persisted && all('bfcache', 'suspend'));
    on(globalThis, 'pageshow', (e) => e.persisted && all('bfcache', 'restore'));
    const doc = globalThis.document;
    on(doc, 'resume', () => all('resume', 'resume'));
    on(doc, 'visibilitychange', () => doc.visibilityState === 'visible' && all('resume', 'visible'));
  }

  #control(rule, command) {
    if (!this.#id || !this.#rules[rule]) return;
    this.#log('page lifecycle:', command);
    this.#bridge.control?.(this.#id, command);
  }

  #opened(status, url, headers) {
    if (this.#readyState === CLOSED) return;
    this.#origin = originOf(url);
    this.#readyState = OPEN;
    this.#log('open', status, url);
    this.dispatchEvent(new WasmOpenEvent('open', { status, headers: new Headers(headers) }));
  }

  // #dispatchBatch dispatches a chunk's events: [type, data, lastEventId, …].
  // It returns false once the source is closed.
  #dispatchBatch(batch) {
    if (this.#sink) {
      eachEvent(batch, this.#debug ? (ev) => { this.#logEvent(ev.type, ev.data, ev.lastEventId); this.#sink(ev); } : this.#sink);
    } else {
      const origin = this.#origin;
      for (let i = 0; i + 2 < batch.length && this.#readyState !== CLOSED; i += 3) {
        if (this.#debug) this.#logEvent(batch[i], batch[i + 1], batch[i + 2]);
        this.dispatchEvent(messageEvent(batch[i], batch[i + 1], batch[i + 2], origin));
      }
    }
    return this.#readyState !== CLOSED;
  }

  #report(state, status, statusText, message) {
    if (this.#readyState === CLOSED) return;
    this.#readyState = state;
    if (state === CLOSED) {
      this.#id = 0; // the bridge forgot it
      this.#forget();
    }
    this.#log('error', state === CLOSED ? '(closed for good)' : '(will reconnect)', message);
    this.dispatchEvent(new WasmErrorEvent('error', { status: status || undefined, statusText: status ? statusText : undefined, message: message || undefined, willRetry: state !== CLOSED }));
  }

  #retrying(attempt, delay, cause, message) {
    if (this.#readyState === CLOSED) return;
    this.#log(`reconnecting in ${delay} ms (attempt ${attempt}, ${cause})`);
    this.dispatchEvent(new WasmRetryingEvent('retrying', { attempt, delay, cause, message }));
  }

  #log(...what) {
    if (this.#debug) console.debug('[eventsource-wasm]', this.#url, ...what);
  }

  #logEvent(type, data, id) {
    this.#log(type, `id=${JSON.stringify(id)}`, data);
  }

  // #setHandler gives on<type> the semantics of event handler attributes:
  // the listener keeps the place of the first assignment, null removes it.
  #setHandler(type, fn) {
    fn = typeof fn === 'function' ? fn : null;
    const h = this.#handlers.get(type);
    if (fn === null) {
      if (h) {
        this.removeEventListener(type, h.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (h) {
      h.fn = fn;
      return;
    }
    const handler = { fn, listener: (ev) => handler.fn.call(this, ev) };
    this.#handlers.set(type, handler);
    this.addEventListener(type, handler.listener);
  }
}

// messageEvent makes a MessageEvent of this module's realm: its constructor
// is MessageEvent and its prototype MessageEvent.prototype, as for native.
// Chromium's MessageEvent constructor converts the init dictionary's origin
// slowly, so only data goes through it, and lastEventId and origin become
// read-only own properties: constructing and dispatching is about 2x as
// fast as with the full init dictionary (make bench measures it).
const defineProperty = Object.defineProperty;
function messageEvent(type, data, lastEventId, origin) {
  const ev = new MessageEvent(type, { data });
  if (lastEventId !== '') defineProperty(ev, 'lastEventId', { value: lastEventId });
  defineProperty(ev, 'origin', { value: origin });
  return ev;
}

/**
 * The open event: the response's status and headers (those a page may
 * read: under CORS, the exposed ones).
 */
export class WasmOpenEvent extends Event {
  #status;
  #headers;
  constructor(type, init = {}) {
    super(type, init);
    this.#status = init.status ?? 0;
    this.#headers = init.headers ?? new Headers();
  }
  get status() { return this.#status; }
  get headers() { return this.#headers; }
}

/**
 * The error event: what went wrong, and whether the source reconnects
 * (willRetry, with readyState CONNECTING) or has stopped for good (CLOSED).
 * status, statusText and message are undefined when unknown.
 */
export class WasmErrorEvent extends Event {
  #status;
  #statusText;
  #message;
  #willRetry;
  constructor(type, init = {}) {
    super(type, init);
    this.#status = init.status;
    this.#statusText = init.statusText;
    this.#message = init.message;
    this.#willRetry = Boolean(init.willRetry);
  }
  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  get message() { return this.#message; }
  get willRetry() { return this.#willRetry; }
}

/**
 * The retrying event, before each reconnect: the attempt number since the
 * last open (from 1), the delay in milliseconds, the cause (network, end,
 * status, headers, timeout, online, resume, visible, bfcache, reconnect)
 * and a message.
 */
export class WasmRetryingEvent extends Event {
  #attempt;
  #delay;
  #cause;
  #message;
  constructor(type, init = {}) {
    super(type, init);
    this.#attempt = init.attempt ?? 0;
    this.#delay = init.delay ?? 0;
    this.#cause = init.cause ?? '';
    this.#message = init.message ?? '';
  }
  get attempt() { return this.#attempt; }
  get delay() { return this.#delay; }
  get cause() { return this.#cause; }
  get message() { return this.#message; }
}

for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSED })) {
  Object.defineProperty(WasmEventSource.prototype, name, { value, enumerable: true });
}

// eachEvent calls fn with each event of a batch: type, data and id per event.
function eachEvent(batch, fn) {
  for (let i = 0; i + 2 < batch.length; i += 3) fn({ type: batch[i], data: batch[i + 1], lastEventId: batch[i + 2] });
}

/**
 * Opens an event stream as a ReadableStream of plain {type, data,
 * lastEventId} objects, every event type included: the WasmEventSource
 * connection (same init, reconnection and lifecycle rules) without building
 * and dispatching a MessageEvent per event. Reconnections are silent; the
 * stream errors with the connection's final error (an Error with message,
 * and status and statusText when a response caused it). Cancelling the
 * stream, or init.signal aborting, closes the connection.
 * @param {string | URL} url
 * @param {object} [init] WasmEventSource's init, plus signal: an AbortSignal
 * @returns {ReadableStream<{type: string, data: string, lastEventId: string}>}
 */
export function openEventStream(url, init = undefined) {
  let es = null;
  return new ReadableStream({
    start(controller) {
      es = new WasmEventSource(url, init); // throws on a bad URL or init, as the constructor does
      let done = false;
      const fail = (err) => {
        if (done) return;
        done = true;
        es.close();
        controller.error(err);
      };
      attachSink(es, (ev) => { if (!done) controller.enqueue(ev); });
      es.addEventListener('error', (e) => {
        if (es.readyState !== CLOSED) return; // reconnecting
        const err = new Error(`eventsource-wasm: ${e.message ?? 'the connection failed'}`);
        if (e.status) Object.assign(err, { status: e.status, statusText: e.statusText });
        fail(err);
      });
      const signal = init?.signal;
      if (signal?.aborted) fail(signal.reason);
      signal?.addEventListener('abort', () => fail(signal.reason), { once: true });
    },
    cancel() {
      es.close();
    },
  });
}

/**
 * A TransformStream from the bytes of a text/event-stream to its events, as
 * plain {type, data, lastEventId} objects, parsed by the module's Go parser
 * (the one behind WasmEventSource: any chunking gives the same events, and
 * invalid UTF-8 is replaced as browsers do). For any fetch body, such as a
 * POST that answers with a stream:
 *
 *   const res = await fetch('/chat', { method: 'POST', body });
 *   for await (const ev of res.body.pipeThrough(new EventStreamParser())) …
 *
 * Chunks are Uint8Arrays, ArrayBuffers or other buffer views; a string
 * chunk is UTF-8 encoded on its own. An event larger than the parser's
 * limit (16 MiB by default) errors the stream. The retry field, which only
 * a connection uses, is ignored.
 * @extends {TransformStream<BufferSource | string, {type: string, data: string, lastEventId: string}>}
 */
export class EventStreamParser extends TransformStream {
  constructor() {
    let b = null;
    let input = null;
    let self = null;
    const encoder = new TextEncoder();
    const release = () => {
      if (input) {
        droppedParsers?.unregister(input);
        b.unparse(input.key);
      }
      input = null;
    };
    super({
      async start() {
        b = await bridge();
        input = b.parser();
        droppedParsers?.register(self, { b, key: input.key }, input);
      },
      transform(chunk, controller) {
        const bytes = typeof chunk === 'string' ? encoder.encode(chunk)
          : chunk instanceof Uint8Array ? chunk
            : ArrayBuffer.isView(chunk) ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
              : new Uint8Array(chunk);
        if (!b.feed(input, bytes, (batch) => eachEvent(batch, (ev) => controller.enqueue(ev)))) {
          const why = b.parserError(input.key);
          release();
          throw new TypeError(`EventStreamParser: ${why}`);
        }
      },
      flush: release, // an unfinished event at the end is dropped, as the standard says
      cancel: release,
    });
    self = this; // before start() resumes: it awaits the bridge first
  }
}

// droppedParsers gives back the input of an EventStreamParser whose stream
// is dropped before it ends (a reader abandoned mid-body, or an engine that
// does not call a transformer's cancel): Go keeps a 64 KiB buffer and the
// parser's state per input until told. The held value must not reach the
// stream, or the stream could never be collected.
const droppedParsers = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ b, key }) => b.unparse(key))
  : null;

/**
 * Makes WasmEventSource the page's EventSource. The native class stays
 * available as globalThis.NativeEventSource.
 */
export function installPolyfill() {
  if (globalThis.EventSource === WasmEventSource) return;
  if (globalThis.EventSource && !globalThis.NativeEventSource) globalThis.NativeEventSource = globalThis.EventSource;
  globalThis.EventSource = WasmEventSource;
}
