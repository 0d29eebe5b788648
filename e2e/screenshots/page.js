// What the screenshot steps read from the demo page and do to it, installed
// as window.shots once the demo is ready (see load in main.go).
window.shots = {
  // count is the event count a pane of a view shows.
  count: (view, side) => +document.querySelector(`#${view}-panes .pane[data-side="${side}"] [data-stat="count"]`).textContent,
  // requests is the number of rows of a pane's request table.
  requests: (view, side) => document.querySelectorAll(`#${view}-panes .pane[data-side="${side}"] .conns tbody tr`).length,
  // tokenValid: the Auth view's token box shows a valid token.
  tokenValid: () => document.getElementById('auth-token').dataset.state === 'valid',
  // newToken: the WASM pane of the Auth view logged a refreshed token.
  newToken: () => [...document.querySelectorAll('#auth-panes .pane[data-side="wasm"] .sys-headers')]
    .some((r) => r.textContent.includes('new token')),
  // verdict is a view's verdict (agree, disagree…).
  verdict: (view) => document.getElementById(view + '-verdict').dataset.state,
  // choose picks an option of a select as a visitor would: change fires.
  choose(id, value) {
    const el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event('change'));
  },
  // hideToasts hides the transient notices, which would cover the panes.
  hideToasts() {
    document.querySelectorAll('.toast').forEach((t) => { t.hidden = true; });
  },
};
