// A minimal topic server written the way the seed's express tutorial does
// it, as the load test's baseline: event-stream headers, a first "\n"
// written at once, every client's response kept in an array, a publish
// writing `data:` to each of them in a loop, and the client filtered out of
// the array when its request closes. Only what the load test uses:
//
//   GET  /topics/:name   subscribe
//   POST /topics/:name   publish the body (text) to the topic's subscribers
//   GET  /healthz
//
// PORT=0 node bench/express/server.js prints its URL on stdout.
// KEEPALIVE_MS overrides Node's 5 s keep-alive timeout: the load test's
// publisher keeps one connection from before the streams open, when a
// server at its open-files limit could not accept another.
const express = require('express');

const app = express();
let clients = [];
let nextClientId = 0;
let nextEventId = 0;

app.get('/topics/:name', (request, response) => {
  const headers = {
    'Content-Type': 'text/event-stream',
    Connection: 'keep-alive',
    'Cache-Control': 'no-cache',
  };
  response.writeHead(200, headers);
  response.write('\n');

  const clientId = nextClientId++;
  clients.push({ id: clientId, topic: request.params.name, response });

  request.on('close', () => {
    clients = clients.filter((client) => client.id !== clientId);
  });
});

app.post('/topics/:name', express.text({ type: '*/*' }), (request, response) => {
  const id = ++nextEventId;
  const topic = request.params.name;
  clients.forEach((client) => {
    if (client.topic === topic) client.response.write(`id: ${id}\ndata: ${request.body}\n\n`);
  });
  response.json({ topic, id: String(id) });
});

app.get('/healthz', (request, response) => response.json({ status: 'ok', streams: clients.length }));

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
if (process.env.KEEPALIVE_MS) server.keepAliveTimeout = Number(process.env.KEEPALIVE_MS);
process.on('SIGTERM', () => process.exit(0));
