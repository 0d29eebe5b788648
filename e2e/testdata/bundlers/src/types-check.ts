// Type-level checks of the package's .d.ts that the app does not exercise:
// each @ts-expect-error line must be an error, or tsc fails.
import { WasmEventSource, configure } from 'eventsource-wasm';

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
