// Page.Errors in WebKit: what js/webkit-console.js recorded.
return window.__browserErrors || [];
