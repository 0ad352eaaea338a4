/**
 * What a command sees when it runs as a controller job rather than as a plain call: the
 * run arguments and a way to report messages and processes as they happen. The agent's
 * job runner adds `job` to the call context; over any other protocol it is absent and
 * the commands collect everything into their return value instead.
 */
import type { CallContext } from '../../core/registry.js';
import type { RunArgs } from '../../protocols/fleet/job-model.js';

export interface JobHooks {
  readonly id: string;
  readonly runArgs: RunArgs;
  /** One message the job printed, already split by the output protocol. */
  message(level: number, text: string): void;
  /** The job's process started (for stats and get_process_stats) or ended (pid undefined). */
  process(pid: number | undefined): void;
}

export interface JobCallContext extends CallContext {
  readonly job?: JobHooks;
}

export function jobHooksOf(context: CallContext): JobHooks | undefined {
  return (context as JobCallContext).job;
}
