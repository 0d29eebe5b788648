// Page.Eval in WebKit: a W3C WebDriver "execute async script" body that
// settles with the awaitJSON expression put in place of the marker below,
// or with {evalError} when it throws. (JavaScriptCore's stack does not
// name the error, so the message goes first.)
const done = arguments[arguments.length - 1];
EXPRESSION.then(done, (e) => done({ evalError: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) }));
