// login(ttl) gets a fresh bearer token lasting ttl seconds. credentials:
// 'omit' keeps the session cookie out of the browser, so a stream can only
// be authorised by the header under test. A classic script: the auth
// scenarios (auth.js) are run after it, and tab.html loads it before its
// module (shared-tab.js).
async function login(ttl) {
  const r = await fetch('/auth/login', {
    method: 'POST', credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'ttl=' + ttl,
  });
  if (!r.ok) throw new Error('login: ' + r.status);
  return (await r.json()).token;
}
