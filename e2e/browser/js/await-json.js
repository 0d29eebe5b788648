// Page.Eval evaluates this in every engine: the caller's expression (put in
// place of the marker below), awaited, serialised with JSON.stringify.
(async () => JSON.stringify((await (
EXPRESSION
)) ?? null))()
