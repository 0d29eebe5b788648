// @ts-check
// The app every bundler fixture builds: it connects to /events, and to
// /auth/bearer-events with an Authorization header, and leaves what it
// received in window.result for the test. Plain JavaScript that any bundler
// takes as it is; tsc checks it (checkJs) against the package's .d.ts.
import { WasmEventSource, ready, installPolyfill } from 'eventsource-wasm';

/**
 * @typedef {{ events: { type: string, data: string, id: string }[], errors: string[] }} Received
 */

/**
 * @param {string} url
 * @param {import('eventsource-wasm').WasmEventSourceInit} init
 * @param {number} [want]
 * @returns {Promise<Received>}
 */
function collect(url, init, want = 3) {
  return new Promise((resolve) => {
    /** @type {Received} */
    const got = { events: [], errors: [] };
    const es = new WasmEventSource(url, init);
    const done = () => {
      es.close();
      resolve(got);
    };
    const timer = setTimeout(done, 15000);
    es.onmessage = (e) => {
      got.events.push({ type: e.type, data: e.data, id: e.lastEventId });
      if (got.events.length >= want) {
        clearTimeout(timer);
        done();
      }
    };
    es.addEventListener('error', (e) => {
      got.errors.push(`readyState ${es.readyState} status ${e.status ?? '-'} ${e.message ?? ''}`);
      if (es.readyState === WasmEventSource.CLOSED) {
        clearTimeout(timer);
        done();
      }
    });
  });
}

/** @param {string} bundler */
export async function run(bundler) {
  const w = /** @type {{ result?: unknown }} */ (/** @type {unknown} */ (window));
  try {
    await ready();
    const plain = await collect('/events?count=3&interval=20ms', {});
    const login = await fetch('/auth/login', { method: 'POST' });
    const { token } = /** @type {{ token: string }} */ (await login.json());
    const authed = await collect('/auth/bearer-events?count=3&interval=20ms', {
      headers: async () => ({ Authorization: `Bearer ${token}` }),
      backoff: { initial: 100 },
    });
    installPolyfill();
    const wasm = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));
    w.result = { bundler, plain, authed, wasm, polyfilled: globalThis.EventSource === /** @type {unknown} */ (WasmEventSource) };
  } catch (err) {
    w.result = { bundler, thrown: String(err) };
  }
}
