// TestClose's scenarios, run after watch.js by page.call. Each opens a
// WasmEventSource on the session, closes it in a given state, and leaves
// it in window.lastES for closedLog.

const closeScenarios = {
  'while-open': async (session) => {
    const es = watch(new WasmEventSource('/events?interval=20ms&retry=50&session=' + session));
    es.addEventListener('message', () => { if (es.messages === 3) es.close(); });
    await waitFor(() => es.readyState === 2, 5000, 'close after 3 messages');
    return es;
  },
  'while-waiting-to-reconnect': async (session) => {
    const es = watch(new WasmEventSource('/events?count=2&interval=5ms&retry=300&session=' + session));
    await waitFor(() => es.log.some((l) => l.startsWith('error rs=0')), 5000, 'the end-of-stream error');
    es.close();
    return es;
  },
  'while-connecting': async (session) => {
    const es = watch(new WasmEventSource('/events?interval=20ms&retry=50&session=' + session));
    es.close();
    return es;
  },
  // Events that arrived in the same network chunk as the one whose
  // handler calls close() must not be dispatched: the fields preset is
  // five message events in one write.
  'inside-a-batch': async (session) => {
    const es = watch(new WasmEventSource('/faults?body=fields&retry=50&session=' + session));
    es.addEventListener('message', () => es.close());
    await waitFor(() => es.readyState === 2, 5000, 'close');
    return es;
  },
};

async function closeIn(name, session) {
  const es = await closeScenarios[name](session);
  window.lastES = es;
  return { rs: es.readyState };
}

// closedLog reports what window.lastES logged after close().
function closedLog() {
  const es = window.lastES;
  return { log: es.log.slice(es.closedAt), rs: es.readyState, messages: es.messages };
}
