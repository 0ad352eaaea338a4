/** What can go wrong talking to a nova agent, each with a stable name. */

/** The agent answered with an error code ("500", "404", ...). */
export class NovaReplyError extends Error {
  override readonly name = 'NovaReplyError';
  constructor(
    readonly command: string,
    readonly returncode: string,
    readonly agentMessage: string,
  ) {
    super(`${command}: ${returncode} ${agentMessage}`);
  }
}

/** The agent could not be reached, or the connection broke. */
export class NovaConnectionError extends Error {
  override readonly name = 'NovaConnectionError';
}

/** No reply in time (on XenStore the request has been taken back). */
export class NovaTimeoutError extends Error {
  override readonly name = 'NovaTimeoutError';
}

/** The reply was not a nova reply. */
export class NovaProtocolError extends Error {
  override readonly name = 'NovaProtocolError';
}
