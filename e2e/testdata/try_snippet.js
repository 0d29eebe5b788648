// Runs the Try view's "This setup in JavaScript" snippet, as the visitor
// would paste it into a module script, and collects what its client
// dispatches: [lastEventId, data] of each message, until the client is
// CLOSED. The snippet names its client `es`; the lines added after it only
// listen (they run in the same module evaluation, before any event).
async (snippet) => {
  const collect = `
globalThis.snippetRun = { es, events: [] };
es.addEventListener('message', (e) => globalThis.snippetRun.events.push([e.lastEventId, e.data]));
`;
  const url = URL.createObjectURL(new Blob([snippet + collect], { type: 'text/javascript' }));
  await import(url);
  const run = globalThis.snippetRun;
  while (run.es.readyState !== 2) await new Promise((r) => setTimeout(r, 50));
  return run.events;
}
