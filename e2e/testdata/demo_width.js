// Shows a view (#hash) and, once the demo has rendered it, measures the
// page's width against the window's.
(view) => {
  location.hash = view;
  return new Promise((ok) => {
    const measure = () => document.body.dataset.view === view
      ? ok({ page: document.documentElement.scrollWidth, window: window.innerWidth })
      : requestAnimationFrame(measure);
    measure();
  });
}
