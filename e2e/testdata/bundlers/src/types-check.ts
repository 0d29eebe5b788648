// Type-level checks of the package's .d.ts that the app does not exercise:
// each @ts-expect-error line must be an error, or tsc fails.
import { WasmEventSource, WasmErrorEvent, WasmOpenEvent, WasmRetryingEvent, configure, openEventStream, EventStreamParser, type EventStreamEvent } from 'eventsource-wasm';
import type { WasmRetryCause } from 'eventsource-wasm';

export function misuse(es: WasmEventSource): void {
  // @ts-expect-error readyState is read-only
  es.readyState = 1;
  // @ts-expect-error fallback takes only 'native'
  new WasmEventSource('/x', { fallback: 'polyfill' });
  // @ts-expect-error headers are not a number
  new WasmEventSource('/x', { headers: 1 });
  // @ts-expect-error wasmURL is a string or URL
  configure({ wasmURL: 1 });
  const state: 0 | 1 | 2 = es.readyState;
  const closed: 2 = WasmEventSource.CLOSED;
  void state;
  void closed;
}

// The stream API and the parser give typed plain events.
export async function streams(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  const reader = body.pipeThrough(new EventStreamParser()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    const ev: EventStreamEvent = r.value;
    out.push(ev.type, ev.data, ev.lastEventId);
  }
  const ac = new AbortController();
  const events: ReadableStream<EventStreamEvent> = openEventStream('/events', { signal: ac.signal, lastEventId: '3' });
  // @ts-expect-error signal is an AbortSignal
  openEventStream('/x', { signal: 1 });
  void events;
  return out;
}

// The lifecycle and connection API: typed events, reconnect(), the init
// options.
export function lifecycle(signal: AbortSignal): WasmEventSource {
  const es = new WasmEventSource('/x', {
    signal,
    fetch: (req) => fetch(req),
    debug: true,
    heartbeatTimeout: 30000,
    lifecycle: { online: true, bfcache: false },
    retryOnStatus: new Set([503]),
  });
  es.addEventListener('open', (e: WasmOpenEvent) => void e.headers.get('content-type'));
  es.addEventListener('error', (e: WasmErrorEvent) => void (e.willRetry && e.status));
  es.addEventListener('retrying', (e: WasmRetryingEvent) => {
    const cause: WasmRetryCause = e.cause;
    void [cause, e.attempt, e.delay];
  });
  es.onopen = (e) => void e.status;
  es.reconnect();
  // @ts-expect-error lifecycle rules are booleans
  new WasmEventSource('/x', { lifecycle: { online: 'yes' } });
  // @ts-expect-error no such cause
  const wrong: WasmRetryCause = 'sleep';
  void wrong;
  return es;
}
