// The SharedWorker behind `shared: true` (see eventsource-shared.js for the
// tab side). One worker per origin hosts the Go instance and the fetch
// streams; each tab talks to it over its MessagePort. Sources with the same
// share key (eventsource-shared-key.js) share one stream, so the second tab
// neither opens a connection nor starts the module.
//
// Messages, tab → worker:
//   {t:'files', wasmURL, wasmExecURL}  the page's configure(): the first
//                                       tab's apply, before the module loads
//   {t:'hello', lock}            the tab holds Web Lock `lock` while alive
//   {t:'open', id, url, cfg}     subscribe source id (cloneableConfig)
//   {t:'close', id}              unsubscribe it
//   {t:'control', id, command}   a page lifecycle command (online, offline,
//                                resume, visible, reconnect) for its stream
//   {t:'bye'}                    the tab leaves (pagehide): unsubscribe all
//   {t:'headers', req, headers}  answer to a headers request (or error)
// worker → tab (ids: the tab's sources the message is for):
//   {t:'ready'}                  on connect: the worker runs
//   {t:'open', ids, status, url, headers} {t:'batch', ids, batch}
//   {t:'error', ids, state, status, statusText, message}
//   {t:'retrying', ids, attempt, delay, cause, message}
//   {t:'headers', id, req}       run source id's headers function
//
// A tab is gone when it says bye, closes its last source, or its liveness
// lock is released (the browser releases the locks of a closed or crashed
// tab): its subscriptions end at once, and a stream left without any
// subscriber is closed at once.

import { configure, ready } from './eventsource-wasm.js';
import { shareKeyOf } from './eventsource-shared-key.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

const streams = new Map(); // share key → Stream, for the shareable ones
const asks = new Map(); // headers request number → Ask
// askTimeout is how long a tab has to answer a headers request before
// another tab is asked.
const askTimeout = 10_000;
let lastStream = 0;
let lastAsk = 0;
let loading = null;

function bridge() {
  loading ??= ready().then(() => globalThis.__eventsourceWasm).catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

/** One connected tab (one MessagePort). */
class Tab {
  port;
  subs = new Map(); // the tab's source id → Sub
  #watch = null; // aborts the liveness lock request

  constructor(port) {
    this.port = port;
    port.onmessage = (e) => this.#receive(e.data);
    this.post({ t: 'ready' }); // a tab takes a silent worker as failed
  }

  post(msg) {
    this.port.postMessage(msg);
  }

  #receive(msg) {
    switch (msg?.t) {
      case 'files':
        if (!loading && (msg.wasmURL || msg.wasmExecURL)) {
          try {
            configure({ wasmURL: msg.wasmURL, wasmExecURL: msg.wasmExecURL });
          } catch {
            // the module is already loading: the first tab's files stand
          }
        }
        break;
      case 'hello':
        this.#watchLock(msg.lock);
        break;
      case 'open': {
        if (this.subs.has(msg.id)) return;
        const key = shareKeyOf(msg.url, msg.cfg);
        let stream = key === null ? null : streams.get(key);
        if (!stream) {
          stream = new Stream(key, msg.url, msg.cfg);
          if (key !== null) streams.set(key, stream);
          stream.start();
        }
        const sub = { tab: this, id: msg.id, stream };
        this.subs.set(msg.id, sub);
        stream.add(sub);
        break;
      }
      case 'close':
        this.#leave(msg.id);
        break;
      case 'control':
        this.subs.get(msg.id)?.stream.control(msg.command);
        break;
      case 'bye':
        this.gone();
        break;
      case 'headers': {
        const ask = asks.get(msg.req);
        if (ask) ask.answer(msg);
        break;
      }
    }
  }

  #leave(id) {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    sub.stream.remove(sub);
  }

  /** Ends every subscription of the tab. */
  gone() {
    this.#watch?.abort();
    this.#watch = null;
    for (const id of [...this.subs.keys()]) this.#leave(id);
  }

  // #watchLock asks for the lock the tab holds while it lives: the browser
  // grants it when the tab is closed, crashes or releases it on pagehide.
  #watchLock(name) {
    if (typeof name !== 'string' || !globalThis.navigator?.locks) return;
    this.#watch?.abort();
    const watch = new AbortController();
    this.#watch = watch;
    navigator.locks.request(name, { signal: watch.signal }, () => {
      if (this.#watch === watch) this.gone();
    }).catch(() => {}); // aborted: the tab said bye first
  }
}

/** One HTTP stream (one Go connection) and the sources subscribed to it. */
class Stream {
  #key;
  #url;
  #cfg;
  #id = ++lastStream;
  #bridge = null;
  #subs = new Set();
  #targets = null; // the subscribers grouped by tab, rebuilt on change
  #state = CONNECTING;
  #opened = null; // [status, url] once open
  #closed = false;

  constructor(key, url, cfg) {
    this.#key = key;
    this.#url = url;
    this.#cfg = cfg;
  }

  add(sub) {
    this.#subs.add(sub);
    this.#targets = null;
    // A late subscriber starts from the next event; it sees the stream
    // open at once when it is.
    if (this.#state === OPEN) {
      const [status, url, headers] = this.#opened;
      sub.tab.post({ t: 'open', ids: [sub.id], status, url, headers });
    }
  }

  remove(sub) {
    if (!this.#subs.delete(sub)) return;
    this.#targets = null;
    for (const ask of asks.values()) if (ask.sub === sub) ask.reassign(this);
    if (this.#subs.size === 0) this.#close();
  }

  async start() {
    let b;
    try {
      b = await bridge();
    } catch (err) {
      this.#report(CLOSED, 0, '', `eventsource-wasm: ${err?.message ?? err}`);
      return;
    }
    if (this.#closed) return;
    this.#bridge = b;
    const cfg = { ...this.#cfg, headers: new Headers(this.#cfg.headers) };
    if (this.#cfg.hasHeadersFn) cfg.headersFn = () => new Ask(this).promise;
    const err = b.connect(this.#id, this.#url, cfg, {
      open: (status, url, headers) => this.#open(status, url, headers),
      batch: (batch) => this.#fanOut({ t: 'batch', batch }),
      error: (state, status, statusText, message) => this.#report(state, status, statusText, message),
      retrying: (attempt, delay, cause, message) => this.#fanOut({ t: 'retrying', attempt, delay, cause, message }),
    });
    if (err) this.#report(CLOSED, 0, '', err);
  }

  /**
   * The subscriber to ask for headers next: the earliest still here other
   * than skip, else skip itself if it is still here.
   */
  headerSource(skip = null) {
    for (const sub of this.#subs) if (sub !== skip) return sub;
    return this.#subs.has(skip) ? skip : null;
  }

  #open(status, url, headers) {
    this.#state = OPEN;
    this.#opened = [status, url, headers];
    this.#fanOut({ t: 'open', status, url, headers });
  }

  /**
   * Passes a page lifecycle command from a subscribed tab to the
   * connection: any tab's online, resume or reconnect applies to the one
   * stream they share.
   */
  control(command) {
    if (!this.#closed && this.#state !== CLOSED) this.#bridge?.control?.(this.#id, command);
  }

  #report(state, status, statusText, message) {
    this.#state = state;
    if (state === CONNECTING) this.#opened = null;
    this.#fanOut({ t: 'error', state, status, statusText, message });
    if (state === CLOSED) {
      // The bridge forgot the connection; the sources are closed.
      for (const sub of this.#subs) sub.tab.subs.delete(sub.id);
      this.#subs.clear();
      this.#targets = null;
      this.#close();
    }
  }

  // #fanOut posts msg once per tab, naming that tab's subscribed sources.
  #fanOut(msg) {
    if (!this.#targets) {
      this.#targets = new Map();
      for (const sub of this.#subs) {
        const ids = this.#targets.get(sub.tab);
        if (ids) ids.push(sub.id);
        else this.#targets.set(sub.tab, [sub.id]);
      }
    }
    for (const [tab, ids] of this.#targets) tab.post({ ...msg, ids });
  }

  #close() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#key !== null && streams.get(this.#key) === this) streams.delete(this.#key);
    for (const ask of asks.values()) if (ask.stream === this) ask.fail('the stream was closed');
    if (this.#state !== CLOSED) this.#bridge?.close(this.#id);
  }
}

/**
 * One request for headers from the Go client: the worker cannot run a
 * tab's function, so it asks a subscribed tab, and another when that one
 * leaves before answering.
 */
class Ask {
  stream;
  sub = null;
  promise;
  #req = 0;
  #timer = 0;
  #resolve;
  #reject;

  constructor(stream) {
    this.stream = stream;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.reassign(stream);
  }

  // reassign asks the earliest subscriber still there (other than skip),
  // under a new request number so a late answer from a tab that left is
  // ignored. A tab that does not answer in askTimeout (frozen in the
  // background, or its function hangs) is passed over when another tab
  // can answer; alone, it is waited for.
  reassign(stream, skip = null) {
    clearTimeout(this.#timer);
    const sub = stream.headerSource(skip);
    if (sub && sub === skip) {
      this.#timer = setTimeout(() => this.reassign(stream, sub), askTimeout);
      return;
    }
    asks.delete(this.#req);
    this.sub = sub;
    if (!sub) {
      this.#reject(new Error('no tab is left to supply the headers'));
      return;
    }
    this.#req = ++lastAsk;
    asks.set(this.#req, this);
    sub.tab.post({ t: 'headers', id: sub.id, req: this.#req });
    this.#timer = setTimeout(() => this.reassign(stream, sub), askTimeout);
  }

  answer(msg) {
    clearTimeout(this.#timer);
    asks.delete(this.#req);
    if ('error' in msg) this.#reject(new Error(msg.error));
    else this.#resolve(msg.headers);
  }

  fail(message) {
    clearTimeout(this.#timer);
    asks.delete(this.#req);
    this.#reject(new Error(message));
  }
}

globalThis.onconnect = (e) => {
  new Tab(e.ports[0]);
};
