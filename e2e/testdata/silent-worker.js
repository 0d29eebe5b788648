// A shared worker that starts but never answers a tab (TestShared's
// worker-stays-silent): the tab must give up on it and use the fallback.
globalThis.onconnect = () => {};
