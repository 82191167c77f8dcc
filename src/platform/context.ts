import type { Db } from '../db/database.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { GraderLimitRanges } from './model.ts';
import type { SubmissionEvents } from './submission-events.ts';

/** What every platform module works with; built once by `createPlatform`. */
export interface PlatformContext {
  db: Db;
  queue: JobQueue;
  limits: GraderLimitRanges;
  events: SubmissionEvents;
  now(): Date;
}

/** The current time as stored: ISO-8601 UTC text. */
export const isoNow = (ctx: Pick<PlatformContext, 'now'>): string => ctx.now().toISOString();
