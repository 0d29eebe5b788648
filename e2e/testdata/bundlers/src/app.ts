// The app both bundler fixtures build: it connects to /events, and to
// /auth/bearer-events with an Authorization header, and leaves what it
// received in window.result for the test. Written in TypeScript against the
// package's .d.ts, which `npm run typecheck` checks.
import { WasmEventSource, ready, installPolyfill, type WasmEventSourceInit, type WasmEventSourceErrorEvent } from 'eventsource-wasm';

interface Received {
  events: { type: string; data: string; id: string }[];
  errors: string[];
}

function collect(url: string, init: WasmEventSourceInit, want = 3): Promise<Received> {
  return new Promise((resolve) => {
    const got: Received = { events: [], errors: [] };
    const es = new WasmEventSource(url, init);
    const done = () => {
      es.close();
      resolve(got);
    };
    const timer = setTimeout(done, 15000);
    es.onmessage = (e: MessageEvent<string>) => {
      got.events.push({ type: e.type, data: e.data, id: e.lastEventId });
      if (got.events.length >= want) {
        clearTimeout(timer);
        done();
      }
    };
    es.addEventListener('error', (e: WasmEventSourceErrorEvent) => {
      got.errors.push(`readyState ${es.readyState} status ${e.status ?? '-'} ${e.message ?? ''}`);
      if (es.readyState === WasmEventSource.CLOSED) {
        clearTimeout(timer);
        done();
      }
    });
  });
}

export async function run(bundler: string): Promise<void> {
  const w = window as unknown as { result?: unknown };
  try {
    await ready();
    const plain = await collect('/events?count=3&interval=20ms', {});
    const login = await fetch('/auth/login', { method: 'POST' });
    const { token } = (await login.json()) as { token: string };
    const authed = await collect('/auth/bearer-events?count=3&interval=20ms', {
      headers: async () => ({ Authorization: `Bearer ${token}` }),
      backoff: { initial: 100 },
    });
    installPolyfill();
    const wasm = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));
    w.result = { bundler, plain, authed, wasm, polyfilled: globalThis.EventSource === (WasmEventSource as unknown) };
  } catch (err) {
    w.result = { bundler, thrown: String(err) };
  }
}
