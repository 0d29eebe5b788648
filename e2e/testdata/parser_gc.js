// Run by TestEventStreamParserDropped (e2e/parser_gc_test.go) in a page of
// the test server, as one function expression evaluated with its argument:
//
//   n  how many EventStreamParsers to drop
//
// It counts the bridge's unparse calls, then makes n parsers that each
// parse one event and are dropped with their reader mid-stream, and one
// that ends properly (released by its flush, once). The test then collects
// garbage through DevTools and reads globalThis.unparsed.
async ({ n }) => {
  const { EventStreamParser, ready } = await import('/eventsource-wasm.js');
  await ready();
  const b = globalThis.__eventsourceWasm;
  const unparse = b.unparse;
  globalThis.unparsed = 0;
  b.unparse = (key) => {
    globalThis.unparsed++;
    return unparse(key);
  };
  const bytes = new TextEncoder().encode('data: one\n\ndata: two\n\n');
  const firsts = [];
  for (let i = 0; i < n; i++) {
    const parser = new EventStreamParser();
    const writer = parser.writable.getWriter();
    const reader = parser.readable.getReader();
    writer.write(bytes); // never closed: the stream is dropped mid-body
    firsts.push((await reader.read()).value.data);
  }
  // One that ends: its flush releases it, and the registry must not again.
  const ended = [];
  for await (const ev of new Response(bytes).body.pipeThrough(new EventStreamParser())) ended.push(ev.data);
  return { firsts, ended, unparsedBeforeGC: globalThis.unparsed };
}
