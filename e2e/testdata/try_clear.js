// Empties a text field before the test types into it (as selecting its text
// and typing over it would), without firing events: the typing fires them.
(sel) => {
  const el = document.querySelector(sel);
  if (!el) throw new Error(`no element ${sel}`);
  el.focus();
  el.value = '';
  return true;
}
