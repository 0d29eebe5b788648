// Types for /eventsource-wasm.js: an EventSource written in Go, compiled to
// WebAssembly, running on fetch and ReadableStream.

/** Request headers: what fetch accepts as HeadersInit. */
export type WasmEventSourceHeaders = HeadersInit;

/** Exponential reconnection backoff with full jitter (times in milliseconds). */
export interface WasmEventSourceBackoff {
  /** Base delay when the server sent no `retry:` field; default 3000. */
  initial?: number;
  /** Cap on the delay; default none. */
  max?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

export interface WasmEventSourceInit extends EventSourceInit {
  /** Send cookies to other origins too (fetch credentials "include"). */
  withCredentials?: boolean;
  /**
   * Request headers, or a function (sync or async) called before every
   * connection and reconnection, so an expired token is replaced while
   * Last-Event-ID is kept. With a function, a 401 response calls it again
   * and retries once at once. A function that throws or rejects counts as
   * a failed attempt (an error event, then a reconnection); one that returns
   * headers fetch refuses (a value with a character above U+00FF, say)
   * fails the connection: an error event whose message says so, then CLOSED.
   */
  headers?: WasmEventSourceHeaders | (() => WasmEventSourceHeaders | Promise<WasmEventSourceHeaders>);
  /** Request method; default "GET". */
  method?: string;
  /** Request body, for methods that take one (anything fetch accepts). */
  body?: BodyInit | null;
  /**
   * Start from this last event ID, as if a previous connection had received
   * it. Like native EventSource, the Last-Event-ID header carries the id's
   * UTF-8 bytes, whatever its characters.
   */
  lastEventId?: string | number;
  /**
   * Also send the last event ID as a query parameter: true uses "lastEventId",
   * a string names the parameter. For proxies that drop the header. A
   * cross-origin server that refuses the Last-Event-ID header (it answers no
   * CORS preflight, or does not allow the header) gets the id in this
   * parameter, "lastEventId" by default, instead of the header, from then on
   * for that origin; the console warns once.
   */
  lastEventIdQuery?: boolean | string;
  /** Replace the fixed reconnection time with exponential backoff and full jitter. */
  backoff?: boolean | WasmEventSourceBackoff;
  /** Consecutive reconnection attempts before giving up; 0 never reconnects; default unlimited. */
  maxRetries?: number;
  /**
   * Statuses that reconnect instead of failing, e.g. [429, 503]. Retry-After
   * is a least wait: the delay is the longest of Retry-After, the
   * reconnection time (or backoff's delay) and 1 s.
   */
  retryOnStatus?: Iterable<number>;
  /**
   * The liveness window in milliseconds: reconnect when no bytes (not even
   * a comment) arrive for this long, and at once when a frozen or hidden
   * page comes back after a longer silence. Unset, it is learned: once the
   * server's comment lines (heartbeats) arrive at a steady interval, twice
   * in a row, the window is three times that interval. 0 turns it off.
   */
  heartbeatTimeout?: number;
  /** Largest line or event data in bytes; a larger one fails the connection. Default 16 MiB. */
  maxEventSize?: number;
  /** Aborting this signal closes the source, as close() does. */
  signal?: AbortSignal | null;
  /**
   * Used instead of the global fetch for every request, called with one
   * Request: for interceptors, tracing and test doubles. Not with `shared`
   * (a TypeError): a shared stream is fetched in a SharedWorker or another
   * tab, and a function cannot be sent there; a headers function can be
   * used with shared.
   */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /**
   * Log each connection, event, error and reconnect with console.debug
   * (openEventStream's events too): fetch-based streams do not show in
   * DevTools' EventStream tab.
   */
  debug?: boolean;
  /**
   * The page lifecycle rules, all on by default; false turns them all off.
   * online: back online, a source waiting to reconnect does so at once, and
   * an open one that received nothing since going offline is restarted.
   * bfcache: the connection closes when the page enters the back/forward
   * cache (so it stays eligible and the server sees the stream end) and
   * reconnects with Last-Event-ID when it is restored. resume: when a frozen
   * page resumes or a hidden one becomes visible, a stream silent longer
   * than its liveness window (heartbeatTimeout) reconnects at once.
   */
  lifecycle?: boolean | { online?: boolean; bfcache?: boolean; resume?: boolean };
  /**
   * "native": when eventsource.wasm cannot load (a Content-Security-Policy
   * without 'wasm-unsafe-eval', say), connect with the browser's EventSource
   * instead, provided no other option than withCredentials is set. Otherwise
   * the connection fails with one error event whose message says why.
   */
  fallback?: 'native';
  /**
   * Share one stream with this origin's other tabs that open the same stream
   * (same URL, settings and header identity: see shareKey). The stream and
   * the Go instance live in a SharedWorker, so the tabs use one connection
   * and a second tab does not load the module; a tab that joins starts from
   * the stream's next event. Where SharedWorker is missing, one tab leads
   * (Web Locks) and relays events (BroadcastChannel), and another takes over
   * from Last-Event-ID when it leaves; without either API the source runs
   * unshared. Requests with a body are never shared.
   */
  shared?: boolean;
  /**
   * With `shared`: sources with static headers share only when the headers
   * are equal; a headers function shares only with sources that give the
   * same shareKey (and use a function too), and any of their tabs may be
   * asked to run it. Use a key that names the identity, e.g. the user id.
   */
  shareKey?: string;
}

/** The open event: the response's status and the headers a page may read. */
export declare class WasmOpenEvent extends Event {
  constructor(type: string, init?: EventInit & { status?: number; headers?: Headers });
  /** The response status (200), or 0 when the browser's EventSource stands in (fallback). */
  readonly status: number;
  /** The response headers; under CORS only the exposed ones. */
  readonly headers: Headers;
}

/** The error event, with details when they are known. */
export declare class WasmErrorEvent extends Event {
  constructor(type: string, init?: EventInit & { status?: number; statusText?: string; message?: string; willRetry?: boolean });
  /** The HTTP status of the response that caused the error, if any. */
  readonly status: number | undefined;
  readonly statusText: string | undefined;
  /** What happened, in words. */
  readonly message: string | undefined;
  /** true when the source reconnects (readyState CONNECTING), false when it stopped for good (CLOSED). */
  readonly willRetry: boolean;
}

/** Why a source reconnects. */
export type WasmRetryCause =
  | 'network' | 'end' | 'status' | 'headers' | 'timeout'
  | 'online' | 'resume' | 'visible' | 'bfcache' | 'reconnect';

/** The retrying event, dispatched before each reconnect (after its error event). */
export declare class WasmRetryingEvent extends Event {
  constructor(type: string, init?: EventInit & { attempt?: number; delay?: number; cause?: WasmRetryCause; message?: string });
  /** Reconnects since the stream was last open, from 1. */
  readonly attempt: number;
  /** Milliseconds until the request; 0 for at once. */
  readonly delay: number;
  readonly cause: WasmRetryCause;
  readonly message: string;
}

/** @deprecated The error event is a WasmErrorEvent. */
export type WasmEventSourceErrorEvent = WasmErrorEvent;

export interface WasmEventSourceEventMap {
  open: WasmOpenEvent;
  message: MessageEvent<string>;
  error: WasmErrorEvent;
  retrying: WasmRetryingEvent;
}

/**
 * An EventSource on fetch. As native: redirects are followed and, once a
 * redirected response opened the stream, reconnections go to its target; a
 * cross-origin server that does not allow this origin fails the connection
 * (message "CORS: the server did not allow this origin"), while a network
 * error reconnects. fetch reports both with the same TypeError, so after a
 * cross-origin request fails that way, and only then, one extra request
 * tells them apart: a HEAD to the same URL in no-cors mode, without
 * credentials. When the server answers it, the request is tried once more
 * at once (a request lost on the way is no refusal), and a second failure
 * fails the connection.
 */
export declare class WasmEventSource extends EventTarget {
  constructor(url: string | URL, init?: WasmEventSourceInit);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;

  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;

  onopen: ((this: WasmEventSource, ev: WasmOpenEvent) => any) | null;
  onmessage: ((this: WasmEventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: WasmEventSource, ev: WasmErrorEvent) => any) | null;

  /** Closes the connection: the request is aborted and no event follows. */
  close(): void;
  /**
   * Drops the current connection, or cuts short the wait before the next
   * one, and reconnects at once with Last-Event-ID: an error event, a
   * retrying event (cause "reconnect"), then open. Does nothing once CLOSED.
   */
  reconnect(): void;

  addEventListener<K extends keyof WasmEventSourceEventMap>(type: K, listener: (this: WasmEventSource, ev: WasmEventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: WasmEventSource, ev: MessageEvent<string>) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WasmEventSourceEventMap>(type: K, listener: (this: WasmEventSource, ev: WasmEventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: WasmEventSource, ev: MessageEvent<string>) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** Where the module's files are, when not next to the module itself. */
export interface WasmEventSourceConfig {
  /** URL of eventsource.wasm; relative URLs resolve against the page. */
  wasmURL?: string | URL;
  /** URL of Go's wasm_exec.js, imported unless globalThis.Go already exists. */
  wasmExecURL?: string | URL;
  /**
   * URL of eventsource-shared-worker.js, the SharedWorker of `shared: true`
   * sources (a module worker that imports eventsource-wasm.js and its
   * siblings); it loads the module from wasmURL and wasmExecURL.
   */
  sharedWorkerURL?: string | URL;
}

/** Sets where the files are; throws once the first connection has started loading them. */
export declare function configure(config?: WasmEventSourceConfig): void;

/** Resolves when eventsource.wasm is instantiated (it loads once per page, on first use). */
export declare function ready(): Promise<void>;

/** One event of an event stream, as openEventStream and EventStreamParser give it. */
export interface EventStreamEvent {
  /** The event type: "message" unless the event field named another. */
  type: string;
  data: string;
  /** The last event ID as of this event, as MessageEvent.lastEventId. */
  lastEventId: string;
}

/** openEventStream's init: WasmEventSource's, plus an AbortSignal that closes the connection. */
export interface EventStreamInit extends WasmEventSourceInit {
  signal?: AbortSignal;
}

/** The error an openEventStream stream ends with when its connection fails for good. */
export interface EventStreamError extends Error {
  status?: number;
  statusText?: string;
}

/**
 * The WasmEventSource connection (same init, reconnection and lifecycle
 * rules) as a ReadableStream of plain event objects of every type, without
 * a MessageEvent per event. Reconnections are silent; the stream errors
 * with an EventStreamError when the connection fails for good. Cancelling
 * it, or aborting init.signal, closes the connection.
 *
 *   const reader = openEventStream('/events').getReader();
 *   for (let r = await reader.read(); !r.done; r = await reader.read()) console.log(r.value.data);
 */
export declare function openEventStream(url: string | URL, init?: EventStreamInit): ReadableStream<EventStreamEvent>;

/**
 * A TransformStream from the bytes of a text/event-stream (Uint8Array,
 * ArrayBuffer, other views, or strings encoded as UTF-8 one by one) to its
 * events, parsed by the module's Go parser: any chunking gives the same
 * events. For any fetch body:
 *
 *   const res = await fetch('/chat', { method: 'POST', body });
 *   const events = res.body!.pipeThrough(new EventStreamParser());
 */
export declare class EventStreamParser extends TransformStream<AllowSharedBufferSource | string, EventStreamEvent> {
  constructor();
}

/** Sets globalThis.EventSource to WasmEventSource, keeping the native class as globalThis.NativeEventSource. */
export declare function installPolyfill(): void;

declare global {
  // eslint-disable-next-line no-var
  var NativeEventSource: typeof EventSource | undefined;
}
