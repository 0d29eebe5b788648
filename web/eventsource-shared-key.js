// The deduplication rule of `shared: true`: which sources may share one HTTP
// stream. Both the SharedWorker and the Web Locks fallback key their streams
// with shareKeyOf, so the rule lives here and only here.
//
// Two sources share a stream when everything that shapes the request and the
// reconnection policy is equal (URL, method, credentials mode, Last-Event-ID
// query parameter, retry, heartbeat and size settings) and so is their header
// identity:
//
//   - static headers: the same names with the same values (a tab that sends
//     another token, or none, gets its own stream);
//   - a headers function: only with a caller-supplied `shareKey`, shared with
//     the sources that give the same shareKey and also use a function. The
//     caller vouches that those sources speak for the same identity (say, the
//     user id): any of their tabs may be asked to produce the headers.
//     Without a shareKey a function is never shared, since whose token it
//     returns cannot be known;
//   - a shareKey given with static headers must match too.
//
// A request with a body is never shared. Cookies are not part of the key:
// every tab of an origin sends the same cookie jar.

/**
 * The version of what the shared worker, the leader tab and the tabs say to
 * each other (such as the batch format). It is part of the worker's name and
 * of the leader's channel and lock, so that the tabs of two deployed versions
 * never share a stream: a SharedWorker lives on while any tab of the old
 * version uses it.
 */
export const PROTOCOL = 'eventsource-wasm/2';

/**
 * Returns the key under which the source (its absolute url and the
 * configuration web/eventsource-wasm.js built) may share a stream, or null
 * when it must not share one.
 */
export function shareKeyOf(url, cfg) {
  if (cfg.body != null) return null;
  let identity;
  if (cfg.hasHeadersFn) {
    if (cfg.shareKey == null) return null;
    identity = ['function', cfg.shareKey];
  } else {
    identity = ['headers', cfg.headers, cfg.shareKey ?? null]; // entries, sorted and lower-cased by Headers
  }
  return JSON.stringify([url, cfg.method, cfg.withCredentials, cfg.lastEventIdQuery, cfg.maxRetries,
    cfg.retryOnStatus, cfg.heartbeatTimeout, cfg.maxEventSize, cfg.backoff ?? null, identity]);
}

/**
 * The configuration as a structured-cloneable message: headers as their
 * sorted entries, the headers function replaced by a flag.
 */
export function cloneableConfig(cfg) {
  const { headersFn, headers, ...rest } = cfg;
  return { ...rest, headers: Array.from(headers ?? []), hasHeadersFn: typeof headersFn === 'function' };
}

/** The id of the last event of a batch ([type, data, lastEventId, …]). */
export function lastIdOf(batch) {
  return batch[batch.length - 1];
}
