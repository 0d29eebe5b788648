// Reads one view of the demo (cmp, auth, try, life…) as the visitor sees
// it: the verdict strip and, for each pane, its readyState, counters, error
// box, event log (oldest first), lifecycle lines and request table.
(view) => {
  const pane = (root) => root ? {
    side: root.dataset.side,
    session: root.dataset.session || '',
    state: +root.dataset.readyState,
    count: +root.querySelector('[data-stat="count"]').textContent,
    lastId: root.querySelector('[data-stat="lastid"]').textContent,
    error: root.querySelector('.pane-error').hidden ? '' : root.querySelector('.pane-error').textContent,
    events: [...root.querySelectorAll('.log tr.ev')].reverse().map(tr => [...tr.cells].slice(1, 4).map(td => td.textContent)),
    system: [...root.querySelectorAll('.log tr.sys')].reverse().map(tr => tr.textContent),
    requests: [...root.querySelectorAll('.conns tbody tr')].map(tr => [...tr.cells].map(td => td.textContent)),
  } : null;
  const v = document.getElementById(view + '-verdict');
  return {
    verdict: v.dataset.state,
    verdictText: v.textContent,
    native: pane(document.querySelector('#' + view + '-panes .pane[data-side="native"]')),
    wasm: pane(document.querySelector('#' + view + '-panes .pane[data-side="wasm"]')),
  };
}
