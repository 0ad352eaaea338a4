/** Moves one nova request to the agent and brings its reply back. */
export interface NovaReplyMessage {
  readonly returncode: string;
  readonly message: string;
}

export interface NovaChannel {
  request(request: { readonly name: string; readonly value?: unknown }, timeoutMs: number): Promise<NovaReplyMessage>;
  close(): void;
}

export function parseReply(text: string): NovaReplyMessage {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    reply = undefined;
  }
  const object = reply as Record<string, unknown> | undefined;
  if (typeof object !== 'object' || object === null || typeof object.returncode !== 'string' || typeof object.message !== 'string') {
    throw new Error(`not a nova reply: ${text.slice(0, 200)}`);
  }
  return { returncode: object.returncode, message: object.message };
}
