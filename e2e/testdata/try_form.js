// Reads the Try view's form as the visitor sees it: the URL, the method
// and the header rows (name, value, secret ticked, value masked).
() => ({
  url: document.getElementById('try-url').value,
  method: document.getElementById('try-method').value,
  lastEventId: document.getElementById('try-last-id').value,
  credentials: document.getElementById('try-credentials').checked,
  retryOnStatus: document.getElementById('try-retry-status').value,
  headers: [...document.querySelectorAll('#try-headers .header-row')].map((row) => ({
    name: row.querySelector('.h-name').value,
    value: row.querySelector('.h-value').value,
    secret: row.querySelector('.h-secret').checked,
    masked: row.querySelector('.h-value').type === 'password',
  })),
  explanation: document.getElementById('try-explain').hidden ? '' : document.getElementById('try-explain').textContent,
  preflight: document.getElementById('try-preflight-result').hidden ? '' : document.getElementById('try-preflight-result').textContent,
  response: document.querySelector('#try-panes .pane[data-side="wasm"] .pane-response').hidden ? ''
    : document.querySelector('#try-panes .pane[data-side="wasm"] .pane-response').textContent,
  shareLink: document.getElementById('try-share-link').value,
  js: document.getElementById('try-js').textContent,
})
