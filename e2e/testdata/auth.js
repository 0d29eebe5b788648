// TestAuth's scenarios, run after watch.js and login.js by page.call.

// tokenRefresh: the first token lives 1 s (the shortest login), the next
// ones 30 s; runs until a reconnect and 15 events.
async function tokenRefresh(session) {
  let calls = 0;
  const es = watch(new WasmEventSource('/auth/events?interval=100ms&retry=50&session=' + session, {
    headers: async () => ({ Authorization: 'Bearer ' + await login(++calls === 1 ? 1 : 30) }),
  }));
  await waitFor(() => es.log.filter((l) => l.startsWith('open')).length >= 2 && es.ids.length >= 15, 10000,
    'a reconnect and 15 events');
  es.close();
  return { log: es.log, ids: es.ids, calls };
}

// staleToken: the first request carries a token the server refuses (401).
async function staleToken(session) {
  let calls = 0;
  const es = watch(new WasmEventSource('/auth/events?interval=20ms&retry=50&session=' + session, {
    headers: async () => ({ Authorization: 'Bearer ' + (++calls === 1 ? 'stale-token' : await login(30)) }),
  }));
  await waitFor(() => es.ids.length >= 3, 5000, '3 events');
  es.close();
  return { log: es.log, ids: es.ids, calls };
}
