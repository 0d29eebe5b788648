// TestAuth's scenarios, run after watch.js and login.js by page.call.

// tokenRefresh: the first token ends once 3 events came on it (revoked:
// the server ends its streams as at expiry, but only after the stream
// opened, however slow the browser); runs until a reconnect and 15 events.
async function tokenRefresh(session) {
  let calls = 0;
  let first = '';
  const es = watch(new WasmEventSource('/auth/events?interval=100ms&retry=50&session=' + session, {
    headers: async () => {
      const token = await login(30);
      if (++calls === 1) first = token;
      return { Authorization: 'Bearer ' + token };
    },
  }));
  await waitFor(() => es.ids.length >= 3, 15000, '3 events on the first token');
  await revoke(first);
  await waitFor(() => es.log.filter((l) => l.startsWith('open')).length >= 2 && es.ids.length >= 15, 15000,
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

// revoke ends a token on the server (POST /auth/logout), as its expiry
// would: its streams end.
async function revoke(token) {
  const r = await fetch('/auth/logout', { method: 'POST', credentials: 'omit', headers: { Authorization: 'Bearer ' + token } });
  if (!r.ok) throw new Error('logout: ' + r.status);
}
