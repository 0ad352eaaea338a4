/** The last N messages of a job, for get_msgs on the agent. */
import type { JobMessage } from '../../protocols/fleet/job-model.js';

export class MessageLog {
  private readonly items: JobMessage[] = [];

  constructor(private readonly limit: number) {}

  push(message: JobMessage): void {
    this.items.push(message);
    // Trim in batches: one splice per `limit` pushes keeps pushes cheap.
    if (this.items.length >= this.limit * 2) this.items.splice(0, this.items.length - this.limit);
  }

  /** The last `limit` messages at `levels` (all when undefined), oldest first. */
  read(levels: readonly number[] | undefined, limit: number): JobMessage[] {
    const wanted = levels === undefined ? undefined : new Set(levels);
    const kept = this.items.length > this.limit ? this.items.slice(-this.limit) : this.items;
    const matching = wanted ? kept.filter((message) => wanted.has(message.level)) : kept;
    return matching.slice(-limit);
  }
}
