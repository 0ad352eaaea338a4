// The controller's live feed (GET /v1/events) for the Agents and Jobs views: jobs created,
// result states, agents coming and going, as they happen. Read with fetch and a reader
// (EventSource cannot send the token). The views read the whole state once when the feed
// becomes live and then only apply its events; they poll again only while it is down,
// and it is retried with backoff (1 s doubling to 30 s, with jitter).
import { ApiError, streamEvents } from './api.js';
import { isAbort, sleep } from './scope.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Follows the feed until `scope` is disposed. onLive(): the feed is live (read the
 * current state once; what changes after it arrives as events). onEvent(event): a job,
 * result or agent event. onDown(): the live feed dropped (poll until it is back).
 */
export function followEvents(scope, { onLive, onEvent, onDown }) {
  let delay = FIRST_RETRY_MS;
  const loop = async () => {
    while (scope.active) {
      let live = false;
      try {
        for await (const event of streamEvents('v1/events', scope.signal)) {
          if (event.type === 'hello') {
            live = true;
            delay = FIRST_RETRY_MS;
            onLive();
          } else if (event.type === 'overflow') {
            // This page fell behind: the controller dropped it. Connect again and re-read.
            break;
          } else if (live && event.type !== 'ping') {
            onEvent(event);
          }
        }
      } catch (error) {
        if (isAbort(error)) return;
        // The token is no longer good: the login prompt takes over.
        if (error instanceof ApiError && error.status === 401) return;
      }
      if (!scope.active) return;
      if (live) onDown();
      await sleep(delay / 2 + (Math.random() * delay) / 2, scope.signal);
      delay = Math.min(MAX_RETRY_MS, delay * 2);
    }
  };
  void loop();
}

/**
 * For a view showing a list that `poller` reads: the list is read once whenever the feed
 * becomes live (events keep it current from there) and polled while the feed is down.
 * `feed.live` says which, for the view's own timers and texts.
 */
export function followOrPoll(scope, poller, feed, onEvent) {
  const reread = (live) => () => {
    feed.live = live;
    void poller.now();
  };
  followEvents(scope, { onLive: reread(true), onDown: reread(false), onEvent });
}
