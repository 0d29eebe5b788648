// TestWasmUnderNodeJSModule's checks of WasmEventSource under Node: node
// runs this file with the server's base URL as its argument. It prints
// "ok name" or "FAIL name: detail" per check and "done" at the end.
const base = process.argv[2];
const check = (name, ok, detail = '') => console.log(ok ? 'ok ' + name : 'FAIL ' + name + ': ' + detail);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const session = 's' + Date.now().toString(36);
const { WasmEventSource, ready, installPolyfill } = await import(base + '/eventsource-wasm.js');

// Record what a source does until it is CLOSED, max events arrive or time runs out.
function record(url, init, { max = 50, ms = 5000, types = [] } = {}) {
  return new Promise((resolve) => {
    const log = [];
    const es = new WasmEventSource(url, init);
    const stop = () => { es.close(); resolve(log); };
    es.onopen = () => log.push('open ' + es.readyState);
    es.onmessage = (e) => { log.push([e.type, e.data, e.lastEventId, e.origin].join('|')); if (log.length >= max) stop(); };
    for (const t of types) es.addEventListener(t, (e) => { log.push([e.type, e.data, e.lastEventId].join('|')); if (log.length >= max) stop(); });
    es.onerror = (e) => { log.push(['error', es.readyState, e.status, e.message].join('|')); if (es.readyState === 2 || log.length >= max) stop(); };
    setTimeout(stop, ms);
  });
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Closed before the module is even loaded: no request at all.
const early = new WasmEventSource(base + '/echo?session=' + session + 'a');
check('CONNECTING while loading', early.readyState === 0, early.readyState);
early.close();
await ready();
check('ready loads the bridge', typeof globalThis.__eventsourceWasm?.connect === 'function');
check('constants', WasmEventSource.CONNECTING === 0 && WasmEventSource.OPEN === 1 && WasmEventSource.CLOSED === 2 &&
  early.CONNECTING === 0 && early.OPEN === 1 && early.CLOSED === 2 && early.readyState === 2);
check('EventTarget', early instanceof EventTarget);

let log = await record(base + '/events?count=3&interval=1ms&retry=10');
let want = ['open 1', 'message|{"n":0}|0|' + base, 'message|{"n":1}|1|' + base, 'message|{"n":2}|2|' + base,
  'error|0||the server ended the stream', 'error|2|204|the server answered 204 No Content'];
check('events, reconnect with Last-Event-ID, 204 fails', same(log, want), JSON.stringify(log));

log = await record(base + '/faults?body=named', { maxRetries: 0 }, { types: ['deepThoughtOutput', 'done'] });
check('named events', log.length === 6 && log[1].startsWith('deepThoughtOutput|{"step": 1') &&
  log[3] === 'message|a plain message: the type resets after each dispatch||' + base && log[4] === 'done|done|', JSON.stringify(log));

log = await record(base + '/faults?body=utf8-invalid&chunk=1&chunk_delay=0s', { maxRetries: 0 });
check('invalid UTF-8 becomes U+FFFD, chunked', log[1] === 'message|bad \uFFFD byte||' + base && log[2] === 'message|cut \uFFFD euro||' + base, JSON.stringify(log));

log = await record(base + '/faults?status=500');
check('500 fails', same(log, ['error|2|500|the server answered 500 Internal Server Error']), JSON.stringify(log));
log = await record(base + '/faults?content_type=text/html');
check('wrong content type fails', log.length === 1 && log[0].startsWith('error|2|200|'), JSON.stringify(log));
log = await record(base + '/auth/bearer-events');
check('401 fails with its status', same(log, ['error|2|401|the server answered 401 Unauthorized']), JSON.stringify(log));
log = await record(base + '/faults?body=big&size=5000', { maxEventSize: 1000 });
check('maxEventSize', log.length === 2 && /^error\|2\|\|an event is too large/.test(log[1]), JSON.stringify(log));

// close() inside a listener stops the rest of the chunk's events.
await new Promise((resolve) => {
  const es = new WasmEventSource(base + '/faults?body=multiline');
  let n = 0;
  es.onmessage = () => { n++; es.close(); };
  setTimeout(() => { check('close inside a batch', n === 1 && es.readyState === 2, n); resolve(); }, 500);
});

// Event handler attributes keep the place of their first assignment.
await new Promise((resolve) => {
  const es = new WasmEventSource(base + '/faults?body=multiline');
  const order = [];
  es.onmessage = () => order.push('h1');
  es.addEventListener('message', () => order.push('listener'));
  es.onmessage = function () { order.push(this === es ? 'h2' : 'wrong this'); };
  es.onerror = () => {
    es.close();
    check('handler attributes', same(order, ['h2', 'listener', 'h2', 'listener']) && typeof es.onmessage === 'function', order);
    es.onmessage = null;
    check('null handler', es.onmessage === null);
    resolve();
  };
});

// Headers (async function), POST body, lastEventIdQuery, Last-Event-ID header on reconnect.
let calls = 0;
log = await record(base + '/echo?n=1&retry=10&session=' + session + 'b', {
  method: 'POST', body: 'hello', lastEventIdQuery: true, lastEventId: '41',
  headers: async () => ({ Authorization: 'Bearer t' + (++calls) }),
}, { types: ['echo'], max: 8 });
const echoes = log.filter((l) => l.startsWith('echo|')).map((l) => JSON.parse(l.slice(5, l.lastIndexOf('|'))));
check('init options reach the server', echoes.length >= 2 && echoes[0].method === 'POST' && echoes[0].body_bytes === 5 &&
  echoes[0].authorization === 'Bearer' && echoes[0].last_event_id === '41' && echoes[0].last_event_id_query === '41' &&
  echoes[0].accept === 'text/event-stream' && echoes[0].header_names.includes('Content-Type'), JSON.stringify(echoes[0]));
check('reconnect sends the Last-Event-ID header', echoes[1]?.last_event_id === '42' && echoes[1]?.last_event_id_query === '42', JSON.stringify(echoes[1]));
check('header function called per connection', calls >= 2, calls);

// After close(), the server sees no further request.
log = await record(base + '/echo?n=100&interval=20ms&retry=10&session=' + session + 'c', {}, { max: 3 });
await sleep(300);
for (const [s, want] of [['a', 0], ['c', 1]]) {
  const info = await (await fetch(base + '/sessions/' + session + s)).json();
  check('requests after close (' + s + ')', info.requests === want && info.open_streams === 0, JSON.stringify(info));
}

// close() from the error event of a throwing header function ends the
// reconnection loop, even when Go reports before connect returns.
let throwing = 0;
await new Promise((resolve) => {
  const es = new WasmEventSource(base + '/events', { headers: () => { throwing++; throw new Error('no token'); }, backoff: { initial: 10 } });
  es.onerror = (e) => { check('header function error', es.readyState === 0 && /no token/.test(e.message), e.message); es.close(); resolve(); };
});
await sleep(300);
check('no reconnection after close in onerror', throwing === 1, throwing);

// A header function that returns values fetch cannot send fails the
// connection at once, with a message, instead of retrying forever.
let bad = 0;
log = await record(base + '/echo?session=' + session + 'd', { headers: () => { bad++; return { 'X-Name': '\u{1F680}' }; }, backoff: { initial: 10 } }, { ms: 1000 });
check('invalid header values fail the connection', log.length === 1 &&
  /^error\|2\|\|the header function returned invalid headers: TypeError/.test(log[0]) && bad === 1, JSON.stringify(log) + ' calls ' + bad);

// A non-ASCII last event ID reaches the server as its UTF-8 bytes.
log = await record(base + '/echo?n=0&session=' + session + 'e', { lastEventId: '\u00e9\u{1F680}' }, { types: ['echo'], max: 2 });
check('non-ASCII Last-Event-ID', log.length === 2 && JSON.parse(log[1].split('|')[1]).last_event_id === '\u00e9\u{1F680}', JSON.stringify(log));

for (const [name, f, kind] of [
  ['no arguments', () => new WasmEventSource(), TypeError],
  ['invalid URL', () => new WasmEventSource('http://[bad'), DOMException],
  ['relative URL without a document', () => new WasmEventSource('/events'), DOMException],
  ['bad maxRetries', () => new WasmEventSource(base + '/x', { maxRetries: -1 }), TypeError],
  ['bad headers', () => new WasmEventSource(base + '/x', { headers: { 'bad name': 'x' } }), TypeError],
]) {
  try { f(); check(name + ' throws', false, 'no exception'); } catch (e) { check(name + ' throws', e instanceof kind && (kind !== DOMException || e.name === 'SyntaxError'), e); }
}
const wc = new WasmEventSource(base + '/x', { withCredentials: 1 });
check('url and withCredentials', wc.url === base + '/x' && wc.withCredentials === true);
wc.close();

// A stream served here: an event type that starts with U+FEFF keeps it
// (only the stream's first BOM is dropped), and a huge maxEventSize is
// just a large limit.
{
  const http = await import('node:http');
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.end('\uFEFFevent: \uFEFFbom\ndata: a\n\ndata: b\n\n');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const local = 'http://127.0.0.1:' + srv.address().port + '/';
  log = await record(local, { maxRetries: 0, maxEventSize: 1e20 }, { types: ['\uFEFFbom'] });
  check('BOM in an event type, huge maxEventSize', same(log, ['open 1', '\uFEFFbom|a|', 'message|b||' + local.slice(0, -1),
    'error|2||the server ended the stream']), JSON.stringify(log));
  srv.close();
}

// A server that stalls without closing is dropped once the window learned
// from its heartbeats (3 × the server's 1 s) has passed. The liveness timer
// starts while the body is fed to Go through the module's export, which
// bypasses Go's scheduler: the bridge must wake Go to time it, and here
// nothing else would (one source, no other timer). Ten seconds of events
// bring ten heartbeats, so that two steady gaps in a row teach the window
// even on a busy machine.
await new Promise((resolve) => {
  const es = new WasmEventSource(base + '/faults?interval=100ms&stall=100', { maxRetries: 0 });
  let last = 0, n = 0;
  const t0 = performance.now();
  const give = setTimeout(() => {
    es.close();
    check('stall dropped by the learned window', false, `no error within 30 s; ${n} events, the last ${Math.round(last - t0)} ms after new`);
    resolve();
  }, 30000);
  es.onmessage = () => { last = performance.now(); n++; };
  es.onerror = (e) => {
    clearTimeout(give);
    es.close();
    const after = performance.now() - last;
    const window = Number(/heartbeat timeout of (\d+) ms \(3× the server's heartbeat interval\)/.exec(e.message)?.[1]);
    check('stall dropped by the learned window', window >= 2500 && after > window - 500 && after < window + 3000,
      `${e.message} ${Math.round(after)} ms after the last event`);
    resolve();
  };
});

installPolyfill();
check('installPolyfill', globalThis.EventSource === WasmEventSource);
console.log('done');
process.exit(0);
