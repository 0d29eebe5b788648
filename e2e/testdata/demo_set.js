// Gives a form field a value the way typing or choosing would: the input
// and change events fire. A boolean ticks or unticks a checkbox.
(id, value) => {
  const el = document.getElementById(id);
  if (typeof value === 'boolean') el.checked = value;
  else el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
  return true;
}
