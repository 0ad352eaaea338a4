/**
 * Group commit for job submission: commands that callers of ControllerClient.cmd() hand
 * over in the same turn of the event loop, or while earlier requests are still out, go
 * to the controller together in one POST /v1/jobs?atomic=false (each command checked on
 * its own, so one caller's bad command fails only that caller). A lone command goes as
 * a plain POST, as before. Many concurrent callers then cost the controller a fraction
 * of a request each instead of a whole HTTP exchange.
 */
import { requestJson, type HttpOptions, type JsonResponse } from './http.js';

/** Requests out at once; more commands wait and ride in the next one. */
const MAX_IN_FLIGHT = 4;
/** Commands per request (the controller takes up to 10,000). */
const MAX_BATCH = 1000;

interface Pending {
  readonly body: Readonly<Record<string, unknown>>;
  resolve(answer: JsonResponse): void;
  reject(error: unknown): void;
}

export class JobSubmitter {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly http: HttpOptions) {}

  /** Resolves with what a POST of this one command would have answered. */
  submit(body: Readonly<Record<string, unknown>>): Promise<JsonResponse> {
    return new Promise((resolve, reject) => {
      this.pending.push({ body, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.pending.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.inFlight++;
      this.send(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async send(batch: readonly Pending[]): Promise<void> {
    try {
      if (batch.length === 1) {
        batch[0]!.resolve(await requestJson(this.http, 'POST', 'v1/jobs', batch[0]!.body));
        return;
      }
      const answer = await requestJson(
        this.http,
        'POST',
        'v1/jobs?atomic=false',
        batch.map((item) => item.body),
      );
      const jobs = answer.body.jobs;
      if (answer.status !== 201 || !Array.isArray(jobs) || jobs.length !== batch.length) {
        // The request as a whole was refused (token, size): every command gets that answer.
        for (const item of batch) item.resolve(answer);
        return;
      }
      batch.forEach((item, index) => item.resolve(answerFor(jobs[index] as Record<string, unknown>)));
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

/** One command's part of a batch answer, shaped as the answer to a POST of it alone. */
function answerFor(outcome: Record<string, unknown>): JsonResponse {
  if (outcome.error !== undefined) return { status: 400, body: { error: outcome.error } };
  if (outcome.state === 'DUPLICATE_ID') return { status: 409, body: outcome };
  return { status: 201, body: outcome };
}
