// WebKitWebDriver gives no access to the console, so Page.Navigate installs
// this in each page it loads in WebKit: it records console.error calls,
// uncaught errors, unhandled rejections and failed resource loads in
// window.__browserErrors (as browser.Message values), for Page.Errors.
// Whatever happened before it was installed is not seen.
(() => {
  if (window.__browserErrors) return;
  const errors = (window.__browserErrors = []);
  const text = (v) => {
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    if (typeof v === 'string') return v;
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  };
  const consoleError = console.error.bind(console);
  console.error = (...args) => {
    errors.push({ Source: 'console', Level: 'error', Text: args.map(text).join(' ') });
    consoleError(...args);
  };
  // Capture phase: a failed <img> or <script> load does not bubble.
  addEventListener('error', (e) => {
    if (e instanceof ErrorEvent) {
      errors.push({ Source: 'exception', Level: 'error', Text: text(e.error ?? e.message), URL: e.filename || '' });
    } else if (e.target && e.target !== window) {
      const url = e.target.src || e.target.href || '';
      errors.push({ Source: 'network', Level: 'error', Text: 'failed to load ' + url, URL: url });
    }
  }, true);
  addEventListener('unhandledrejection', (e) => {
    errors.push({ Source: 'exception', Level: 'error', Text: 'Uncaught (in promise) ' + text(e.reason) });
  });
})();
