/**
 * What ControllerClient.events() yields: the controller's live feed of the whole fleet
 * (GET /v1/events), without its keep-alive pings. The wire format is in
 * src/protocols/fleet/feed-events.ts.
 */
import type { FeedEvent } from '../../protocols/fleet/feed-events.js';

export type { FeedJob, ResultChange } from '../../protocols/fleet/feed-events.js';

export type ControllerEvent = Exclude<FeedEvent, { readonly type: 'ping' }>;
