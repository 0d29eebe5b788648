// Loader for the demo page: imports the client's public ES module, hands it
// to the Go demo through globalThis.eventsourceDemo, and starts demo.wasm.
// The page logic itself is Go (wasm/cmd/demo); this file only boots it and
// turns load failures into words on the page.

const status = (text) => {
  const el = document.getElementById('loading-text');
  if (el) el.textContent = text;
};

const fail = (text) => {
  document.body.dataset.demo = 'failed';
  document.getElementById('loading').hidden = true;
  document.getElementById('fatal-text').textContent = text;
  document.getElementById('fatal').hidden = false;
  const pill = document.getElementById('module-status');
  pill.dataset.state = 'error';
  document.getElementById('module-status-text').textContent = 'Not loaded';
};

async function boot() {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiateStreaming !== 'function') {
    fail('This browser cannot run WebAssembly modules, which both the demo and the client are.');
    return;
  }
  if (typeof Go !== 'function') {
    fail('/wasm_exec.js (the Go WebAssembly runtime) did not load.');
    return;
  }
  status('Loading the EventSource client (eventsource-wasm.js)…');
  let client;
  try {
    client = await import('/eventsource-wasm.js');
  } catch (err) {
    fail(`The client module /eventsource-wasm.js could not be loaded: ${err.message}.`);
    return;
  }
  // The Go demo reads its dependencies from here: the public API only.
  globalThis.eventsourceDemo = {
    WasmEventSource: client.WasmEventSource,
    ready: client.ready,
    NativeEventSource: globalThis.EventSource,
  };

  status('Starting the demo (demo.wasm)…');
  const go = new Go();
  let instance;
  try {
    const resp = await fetch('/demo.wasm');
    if (!resp.ok) throw new Error(`the server answered ${resp.status} ${resp.statusText}`);
    ({ instance } = await WebAssembly.instantiateStreaming(resp, go.importObject));
  } catch (err) {
    fail(`The demo module /demo.wasm could not be started: ${err.message}.`);
    return;
  }
  go.run(instance).then(() => {
    if (document.body.dataset.demo !== 'failed') fail('The demo module stopped unexpectedly. Reload the page to start it again.');
  });
}

boot();
