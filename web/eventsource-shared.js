// The tab side of `shared: true`: a transport with the bridge's interface
// (connect(id, url, cfg, {open, batch, error}), close(id)), so a shared
// WasmEventSource behaves as any other. It talks to one SharedWorker per
// origin (eventsource-shared-worker.js), which hosts the Go instance and the
// streams; where SharedWorker is missing or refused, it falls back to a
// leader tab elected with Web Locks (eventsource-shared-leader.js); where
// that is missing too, the source runs unshared.

import { PROTOCOL, cloneableConfig, lastIdOf, shareKeyOf } from './eventsource-shared-key.js';
import { leaderTransport } from './eventsource-shared-leader.js';

const CONNECTING = 0;
const CLOSED = 2;

let port = null; // the worker's MessagePort, once started (null while away)
// workerSilence is how long a new worker connection may stay silent (the
// worker says ready on connect) before the tab takes the worker as failed:
// Chromium can leave a tab that connects while a worker's script fails to
// load without the error event, and the tab would wait forever.
const workerSilence = 10_000;
let silenceTimer = 0;
let workerFiles = null; // startWorker's files, to connect again on return from the back/forward cache
let refused = false; // SharedWorker refused or failed: use the fallback from now on
let loadOwnBridge = null; // this page's Go instance, for sources the worker fails
let away = false; // between pagehide and pageshow
let releaseLock = null;
const sources = new Map(); // source id → its connect arguments

/**
 * Returns the transport a shared source uses, or null when it has to run
 * unshared. loadBridge loads this page's own Go instance (the fallback's
 * leader needs it); files are configure()'s URLs, null for the defaults.
 */
export function sharedTransport(url, cfg, loadBridge, files) {
  loadOwnBridge = loadBridge;
  if (!refused && typeof SharedWorker === 'function' && startWorker(files)) return workerTransport;
  return fallbackTransport(url, cfg, loadBridge);
}

// fallbackTransport is the leader election where the browser has what it
// needs and the source may share, else null (unshared).
function fallbackTransport(url, cfg, loadBridge) {
  if (globalThis.navigator?.locks && typeof BroadcastChannel === 'function' && globalThis.crypto?.subtle &&
      shareKeyOf(url, cloneableConfig(cfg)) !== null) {
    return leaderTransport(loadBridge);
  }
  return null;
}

const workerTransport = {
  connect(id, url, cfg, callbacks) {
    const src = { url, own: cfg, cfg: cloneableConfig(cfg), headersFn: cfg.headersFn, callbacks, onOpen: callbacks.open, onBatch: callbacks.batch, onError: callbacks.error, via: null };
    sources.set(id, src);
    if (refused) reroute(id, src);
    else if (!away) port.postMessage({ t: 'open', id, url, cfg: src.cfg });
    return undefined;
  },
  close(id) {
    const src = sources.get(id);
    if (!src) return;
    sources.delete(id);
    if (src.via) src.via.close(id);
    else if (port && !away) port.postMessage({ t: 'close', id });
  },
  // control passes page lifecycle commands to the worker's stream. The
  // back/forward cache's suspend and restore are this transport's own
  // business: the tab leaves and rejoins (see leave and rejoin).
  control(id, command) {
    const src = sources.get(id);
    if (!src || command === 'suspend' || command === 'restore') return;
    if (src.via) src.via.control?.(id, command);
    else if (port && !away) port.postMessage({ t: 'control', id, command });
  },
};

// workerFailed moves every source to the fallback when the worker's script
// does not start (not found, say, where a bundler did not emit it), or
// stays silent for workerSilence: the page keeps working, and the console
// says why sharing is off. The port is closed, so a worker that starts
// after all reaches none of the rerouted sources.
function workerFailed() {
  if (refused) return;
  refused = true;
  clearTimeout(silenceTimer);
  console.warn('eventsource-wasm: the shared worker did not start (is eventsource-shared-worker.js served? see configure({ sharedWorkerURL })); shared sources use a leader tab or run unshared');
  port?.close();
  port = null;
  releaseLock?.();
  releaseLock = null;
  for (const [id, src] of sources) reroute(id, src);
}

// reroute connects a source that the worker did not take through the
// fallback, or this page's own bridge.
async function reroute(id, src) {
  let via = fallbackTransport(src.url, src.own, loadOwnBridge);
  if (!via) {
    try {
      via = await loadOwnBridge();
    } catch (err) {
      if (sources.delete(id)) src.onError(CLOSED, 0, '', `eventsource-wasm: ${err?.message ?? err}`);
      return;
    }
    if (!sources.has(id)) return; // closed meanwhile
  }
  src.via = via;
  const err = via.connect(id, src.url, src.own, src.callbacks);
  if (err && sources.delete(id)) src.onError(CLOSED, 0, '', err);
}

function startWorker(files) {
  if (port || away) return true; // away: rejoin connects again and opens the sources
  if (!connectWorker(files)) return false;
  globalThis.addEventListener?.('pagehide', leave);
  globalThis.addEventListener?.('pageshow', (e) => { if (e.persisted) rejoin(); });
  return true;
}

// connectWorker connects this tab to the worker (a new MessagePort each
// time: the tab closes its port when it leaves).
function connectWorker(files) {
  let worker;
  try {
    // Written out in full so that bundlers (Vite, webpack) see the worker.
    worker = files.sharedWorkerURL
      ? new SharedWorker(files.sharedWorkerURL, { type: 'module', name: PROTOCOL })
      : new SharedWorker(new URL('./eventsource-shared-worker.js', import.meta.url), { type: 'module', name: PROTOCOL });
  } catch {
    refused = true; // disabled, or not allowed in this context
    return false;
  }
  workerFiles = files;
  worker.onerror = workerFailed;
  port = worker.port;
  port.onmessage = (e) => receive(e.data); // starts the port
  port.postMessage({ t: 'files', wasmURL: files.wasmURL, wasmExecURL: files.wasmExecURL });
  clearTimeout(silenceTimer);
  silenceTimer = setTimeout(workerFailed, workerSilence);
  holdLock();
  return true;
}

// holdLock takes a Web Lock for as long as the tab lives and tells the
// worker its name: the browser releases it when the tab closes or crashes,
// which the worker learns by asking for it. Without Web Locks, pagehide is
// the only signal.
function holdLock() {
  if (!globalThis.navigator?.locks) return;
  const name = `eventsource-wasm-tab:${crypto.randomUUID()}`;
  navigator.locks.request(name, () => new Promise((release) => {
    releaseLock = release;
    if (port) port.postMessage({ t: 'hello', lock: name });
    else release(); // the worker failed meanwhile
  }));
}

// leave unsubscribes the whole tab on pagehide, so a tab entering the
// back/forward cache neither keeps a stream open nor blocks the others
// (a held lock would also keep it out of that cache). It closes the port
// too: the worker may post events before it reads the bye, and Chromium
// evicts a cached page that a shared worker sends a message to.
function leave() {
  if (away || !port) return;
  away = true;
  port.postMessage({ t: 'bye' });
  clearTimeout(silenceTimer); // rejoin waits for the worker again
  port.close();
  port = null;
  releaseLock?.();
  releaseLock = null;
}

// rejoin subscribes the tab's sources again when it comes back from the
// back/forward cache: they report a reconnection and join their stream at
// its next event, or, when no other tab kept it open, start it again from
// the last event ID they saw.
function rejoin() {
  if (!away || refused) return;
  away = false;
  if (!connectWorker(workerFiles)) {
    for (const [id, src] of sources) reroute(id, src);
    return;
  }
  for (const [id, src] of sources) {
    src.onError(CONNECTING, 0, '', '');
    if (src.last !== undefined) src.cfg = { ...src.cfg, lastEventId: src.last };
    if (sources.has(id)) port?.postMessage({ t: 'open', id, url: src.url, cfg: src.cfg });
  }
}

function receive(msg) {
  clearTimeout(silenceTimer); // the worker runs
  switch (msg?.t) {
    case 'open':
      for (const id of msg.ids) sources.get(id)?.onOpen(msg.status, msg.url, msg.headers);
      break;
    case 'batch': {
      const last = lastIdOf(msg.batch);
      for (const id of msg.ids) {
        const src = sources.get(id);
        if (!src) continue;
        src.last = last;
        src.onBatch(msg.batch);
      }
      break;
    }
    case 'error':
      for (const id of msg.ids) {
        const src = sources.get(id);
        if (!src) continue;
        if (msg.state === CLOSED) sources.delete(id);
        src.onError(msg.state, msg.status, msg.statusText, msg.message);
      }
      break;
    case 'retrying':
      for (const id of msg.ids) sources.get(id)?.callbacks.retrying?.(msg.attempt, msg.delay, msg.cause, msg.message);
      break;
    case 'headers':
      runHeaders(msg.id, msg.req);
      break;
  }
}

// runHeaders runs a source's headers function for the worker. A source
// closed meanwhile does not answer: the worker asks another tab when the
// close reaches it.
async function runHeaders(id, req) {
  const src = sources.get(id);
  if (!src?.headersFn) return;
  let headers;
  try {
    headers = await src.headersFn();
    if (headers instanceof Headers) headers = Array.from(headers);
  } catch (err) {
    port?.postMessage({ t: 'headers', req, error: String(err?.message ?? err) });
    return;
  }
  try {
    // As given, so the worker's Go client judges bad values as it would here.
    port?.postMessage({ t: 'headers', req, headers });
  } catch {
    try {
      port?.postMessage({ t: 'headers', req, headers: Array.from(new Headers(headers)) });
    } catch (err) {
      port?.postMessage({ t: 'headers', req, error: String(err?.message ?? err) });
    }
  }
}
