// The fallback of `shared: true` where SharedWorker is missing or refused
// (some mobile browsers and WebViews): the sources with the same share key,
// across tabs, elect a leader with a Web Lock named after the key. The
// leader runs the one stream in its own Go instance and fans its events out
// over a BroadcastChannel of the same name; the others only listen. Every
// source remembers the last event ID it saw, so when the leader goes away
// (close(), navigation, tab closed or crashed: the browser releases its
// lock), the next source in the lock's queue reconnects with that
// Last-Event-ID and the stream resumes where the followers stopped: no event
// lost or repeated, as long as the server's events carry IDs.

import { PROTOCOL, cloneableConfig, lastIdOf, shareKeyOf } from './eventsource-shared-key.js';

const OPEN = 1;
const CLOSED = 2;

/** Returns a transport whose sources share streams through a leader tab. */
export function leaderTransport(loadBridge) {
  const sources = new Map();
  return {
    connect(id, url, cfg, callbacks) {
      const src = new Source(id, url, cfg, { onOpen: callbacks.open, onBatch: callbacks.batch, onError: callbacks.error, onRetrying: callbacks.retrying }, loadBridge);
      sources.set(id, src);
      src.start();
      return undefined;
    },
    close(id) {
      sources.get(id)?.close();
      sources.delete(id);
    },
    control(id, command) {
      sources.get(id)?.control(command);
    },
  };
}

/** One shared source in this tab: the leader of its key or a follower. */
class Source {
  #id;
  #url;
  #cfg;
  #cb;
  #loadBridge;
  #last; // the last event ID this source saw
  #state = 0;
  #opened = null; // [status, url]
  #channel = null;
  #lockRequest = null; // aborts the wait for the lock
  #bridge = null; // set while leading
  #release = null; // ends the lock's hold
  #closed = false;
  #away = false; // in the back/forward cache
  #page = new AbortController(); // removes the page listeners
  #name = ''; // the lock's and the channel's

  constructor(id, url, cfg, cb, loadBridge) {
    this.#id = id;
    this.#url = url;
    this.#cfg = cfg;
    this.#cb = cb;
    this.#loadBridge = loadBridge;
    this.#last = cfg.lastEventId;
  }

  async start() {
    const name = `${PROTOCOL}:${await digest(shareKeyOf(this.#url, cloneableConfig(this.#cfg)))}`;
    if (this.#closed) return;
    this.#name = name;
    const { signal } = this.#page;
    globalThis.addEventListener?.('pagehide', (e) => { if (e.persisted) this.#leave(); }, { signal });
    globalThis.addEventListener?.('pageshow', (e) => { if (e.persisted) this.#rejoin(); }, { signal });
    if (!this.#away) this.#join();
  }

  // #join listens to the key's channel and queues for its lock.
  #join() {
    const name = this.#name;
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (e) => this.#heard(e.data);
    this.#channel.postMessage({ t: 'hello' }); // a leader answers with the state
    this.#lockRequest = new AbortController();
    navigator.locks.request(name, { signal: this.#lockRequest.signal }, () => this.#lead())
      .catch(() => {}); // aborted by close() or pagehide
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#page.abort();
    this.#stop();
  }

  // #stop leaves the election: a leader closes its connection and releases
  // the lock, so the next source in the lock's queue takes over.
  #stop() {
    this.#lockRequest?.abort();
    if (this.#bridge) this.#bridge.close(this.#id);
    this.#bridge = null;
    this.#release?.();
    this.#release = null;
    this.#channel?.close();
    this.#channel = null;
  }

  // #leave steps out when the page enters the back/forward cache: a frozen
  // leader would hold the lock and starve the other tabs (and a held lock
  // keeps a page out of that cache).
  #leave() {
    if (this.#closed || this.#away) return;
    this.#away = true;
    this.#stop();
  }

  // #rejoin enters the election again when the page comes back: the source
  // reports a reconnection, then follows the leader from its next event, or
  // leads from the last event ID it saw.
  #rejoin() {
    if (this.#closed || !this.#away) return;
    this.#away = false;
    this.#state = 0;
    this.#cb.onError(0, 0, '', '');
    if (this.#name) this.#join(); // else start() is still hashing the key
  }

  /**
   * Applies a page lifecycle command. Suspend and restore (the back/forward
   * cache) are handled here by stepping down and rejoining; a follower's
   * reconnect() asks the leader; other commands (online, resume) reach
   * every tab, so the leader's own apply.
   */
  control(command) {
    if (command === 'suspend' || command === 'restore') return;
    if (this.#bridge) this.#bridge.control?.(this.#id, command);
    else if (command === 'reconnect') this.#channel?.postMessage({ t: 'control', command });
  }

  // #heard handles the leader's messages while this source follows.
  #heard(msg) {
    if (this.#closed) return;
    if (this.#bridge) {
      if (msg.t === 'hello' && this.#state === OPEN) this.#tell('open');
      else if (msg.t === 'control' && msg.command === 'reconnect') this.#bridge.control?.(this.#id, 'reconnect');
      return;
    }
    switch (msg.t) {
      case 'open':
        this.#last = msg.last;
        this.#open(msg.status, msg.url, msg.headers);
        break;
      case 'retrying':
        this.#cb.onRetrying?.(msg.attempt, msg.delay, msg.cause, msg.message);
        break;
      case 'batch':
        this.#last = lastIdOf(msg.batch);
        this.#cb.onBatch(msg.batch);
        break;
      case 'error':
        this.#report(msg.state, msg.status, msg.statusText, msg.message);
        break;
    }
  }

  // #lead runs while this source holds the lock: it opens the stream from
  // the last event ID the source saw and keeps the lock until it closes.
  async #lead() {
    if (this.#closed || this.#away) return;
    let b;
    try {
      b = await this.#loadBridge();
    } catch (err) {
      this.#fail(`eventsource-wasm: ${err?.message ?? err}`);
      return;
    }
    if (this.#closed || this.#away) return;
    this.#bridge = b;
    const held = new Promise((release) => { this.#release = release; });
    const err = b.connect(this.#id, this.#url, { ...this.#cfg, lastEventId: this.#last }, {
      open: (status, url, headers) => {
        this.#opened = [status, url, headers];
        this.#tell('open');
        this.#open(status, url, headers);
      },
      batch: (batch) => {
        this.#last = lastIdOf(batch);
        this.#channel.postMessage({ t: 'batch', batch });
        this.#cb.onBatch(batch);
      },
      error: (state, status, statusText, message) => {
        this.#channel.postMessage({ t: 'error', state, status, statusText, message });
        this.#report(state, status, statusText, message);
      },
      retrying: (attempt, delay, cause, message) => {
        this.#channel.postMessage({ t: 'retrying', attempt, delay, cause, message });
        this.#cb.onRetrying?.(attempt, delay, cause, message);
      },
    });
    if (err) this.#fail(err);
    return held;
  }

  #tell(what) {
    const [status, url, headers] = this.#opened;
    this.#channel.postMessage({ t: what, status, url, headers, last: this.#last });
  }

  // #open reports the stream open, once: a new leader taking over an open
  // stream does not open it again for the page.
  #open(status, url, headers) {
    this.#opened = [status, url, headers];
    if (this.#state === OPEN) return;
    this.#state = OPEN;
    this.#cb.onOpen(status, url, headers);
  }

  #report(state, status, statusText, message) {
    this.#state = state;
    if (state === CLOSED) {
      this.#bridge = null; // the bridge forgot the connection
      this.close();
    }
    this.#cb.onError(state, status, statusText, message);
  }

  #fail(message) {
    this.#channel?.postMessage({ t: 'error', state: CLOSED, status: 0, statusText: '', message });
    this.#report(CLOSED, 0, '', message);
  }
}

async function digest(text) {
  const sum = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(sum), (b) => b.toString(16).padStart(2, '0')).join('');
}
