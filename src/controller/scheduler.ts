/**
 * Cron-style recurring commands, kept in the store so every controller sharing it sees
 * them and a restart keeps them. Each second the scheduler looks for schedules due now;
 * the store lets exactly one controller claim each run, which is submitted as an
 * ordinary job with the id `SCHEDULE.EPOCHSECONDS`.
 */
import { HostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkCommand } from '../protocols/fleet/command-check.js';
import type { Controller } from './controller.js';
import { cronMatches, nextRun, parseCron, type CronExpression } from './cron.js';
import type { ControllerStore, Schedule } from './stores/store.js';

export interface SchedulerOptions {
  readonly store: ControllerStore;
  readonly controller: Controller;
  readonly log: Logger;
}

export interface ScheduleView extends Schedule {
  /** Epoch milliseconds of the next run. */
  readonly next?: number;
}

/** Seconds a stalled controller catches up on (runs older than this are skipped). */
const CATCH_UP_SECONDS = 30;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private lastSecond = Math.floor(Date.now() / 1000);
  private running = false;
  private readonly parsed = new Map<string, CronExpression>();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks and stores a schedule; a schedule with the same id is replaced. */
  async add(input: unknown): Promise<ScheduleView> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new HostlinkError('InvalidParameter', 'a schedule is an object {id, cron, command}');
    const { id, cron, command } = input as Record<string, unknown>;
    if (typeof id !== 'string' || !/^[\w.:-]{1,100}$/.test(id)) throw new HostlinkError('InvalidParameter', "Parameter 'id' must be 1 to 100 letters, digits, '_', '-', '.', ':'");
    if (typeof cron !== 'string') throw new HostlinkError('InvalidParameter', "Parameter 'cron' is missing");
    const expression = parseCron(cron);
    if (typeof command !== 'object' || command === null || Array.isArray(command)) throw new HostlinkError('InvalidParameter', "Parameter 'command' must be a command object");
    if ('id' in command) throw new HostlinkError('InvalidParameter', "a scheduled command has no 'id': each run gets one");
    const checked = checkCommand({ ...command, id: `${id}.0` });
    const { id: _ignored, ...rest } = checked;
    const schedule: Schedule = { id, cron: expression.text, command: rest, created: Date.now() };
    await this.options.store.putSchedule(schedule);
    return this.view(schedule);
  }

  remove(id: string): Promise<boolean> {
    return this.options.store.deleteSchedule(id);
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.options.store.listSchedules()).map((schedule) => this.view(schedule));
  }

  private expression(schedule: Schedule): CronExpression {
    let expression = this.parsed.get(schedule.cron);
    if (!expression) this.parsed.set(schedule.cron, (expression = parseCron(schedule.cron)));
    return expression;
  }

  private view(schedule: Schedule): ScheduleView {
    const next = nextRun(this.expression(schedule), new Date());
    return next ? { ...schedule, next: next.getTime() } : schedule;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = Math.floor(Date.now() / 1000);
      if (now <= this.lastSecond) return;
      const from = Math.max(this.lastSecond + 1, now - CATCH_UP_SECONDS);
      this.lastSecond = now;
      const schedules = await this.options.store.listSchedules();
      for (let second = from; second <= now; second++) {
        const date = new Date(second * 1000);
        for (const schedule of schedules) {
          if (!cronMatches(this.expression(schedule), date)) continue;
          await this.fire(schedule, second);
        }
      }
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'scheduler tick failed');
    } finally {
      this.running = false;
    }
  }

  private async fire(schedule: Schedule, second: number): Promise<void> {
    if (!(await this.options.store.claimScheduleRun(schedule.id, second))) return;
    const id = `${schedule.id}.${second}`;
    try {
      await this.options.controller.submit({ ...schedule.command, id, tags: schedule.command.tags ?? `schedule:${schedule.id}` });
    } catch (error) {
      this.options.log.warn({ schedule: schedule.id, err: (error as Error).message }, 'scheduled run could not be submitted');
    }
  }
}
