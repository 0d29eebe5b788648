// Reads the demo's Tabs view: its live counts, its note and its frames.
() => ({
  conns: document.getElementById('tabs-conns').textContent,
  receiving: document.getElementById('tabs-receiving').textContent,
  note: document.getElementById('tabs-note').textContent,
  frames: document.querySelectorAll('#tabs-frames iframe').length,
  src: document.querySelector('#tabs-frames iframe')?.src ?? '',
})
