import { availableParallelism, totalmem } from 'node:os';
import type { FastifyServerOptions } from 'fastify';
import { openDatabase } from '../db/database.ts';
import { BlobStore } from '../image/blob-store.ts';
import { ImageStore } from '../image/image-store.ts';
import { resolveIntakeLimits, type SubmissionIntakeLimits } from '../intake/intake-limits.ts';
import { intakeTmpDir } from '../intake/staging.ts';
import { freeScheduleLeases } from '../platform/durable-schedules.ts';
import { createPlatform } from '../platform/create-platform.ts';
import { createGradingStore } from '../platform/grading-store.ts';
import { DEFAULT_GRADER_LIMIT_RANGES, type GraderLimitRanges, type IssuedToken } from '../platform/model.ts';
import { SubmissionEvents } from '../platform/submission-events.ts';
import { SqlJobQueue } from '../queue/sql/sql-job-queue.ts';
import type { SandboxBackend } from '../sandbox/open-sandbox.ts';
import { openStoreSandbox } from '../toolkit/store-sandbox.ts';
import { WorkerPool } from '../worker/worker-pool.ts';
import { removeDeadTemps } from '../util/atomic-file.ts';
import { buildApp, type AppDeps } from './app.ts';
import { startScheduleTimer } from './schedule-timer.ts';
import { claimDataDir, dataDirLayout } from './data-dir.ts';
import { resolveTrafficLimits, type TrafficLimits } from './traffic/traffic-limits.ts';

export interface ServeOptions {
  /** The data directory (database, blobs, images, sandbox state). */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Concurrent gradings in this process; `auto` = one per CPU; 0 = API only. */
  workers?: number | 'auto';
  /** A PostgreSQL URL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** PostgreSQL: the schema holding gradebox's tables (created when missing). */
  databaseSchema?: string;
  backend?: SandboxBackend;
  graderLimits?: GraderLimitRanges;
  intakeLimits?: Partial<SubmissionIntakeLimits>;
  maxImageBytes?: number;
  version: string;
  logger?: FastifyServerOptions['logger'];
  /** Connection, request and upload limits and timeouts; defaults in traffic/traffic-limits.ts. */
  traffic?: Partial<TrafficLimits>;
  /** How often assignments' completion and release times are checked (default SCHEDULE_POLL_MS; they are also checked at start). */
  schedulePollMs?: number;
  /** The web interface's cookie security and sign-in limits (docs/web.md). */
  web?: AppDeps['web'];
}

export interface RunningServer {
  url: string;
  /** Set on the first start only: the one-time admin token. */
  adminToken: IssuedToken | undefined;
  /**
   * Stops taking requests, gives running gradings back to the queue (they run again at the next
   * start), closes the database and frees the data directory. Calling it again does nothing.
   */
  close(): Promise<void>;
}

/** How often expired leases are looked for. */
const LEASE_REAP_MS = 10_000;

/** 20 GiB: a large grader image with toolchains fits; override with --max-image-size. */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 ** 3;

/**
 * Starts the grading service: database (embedded SQLite in the data directory unless a
 * PostgreSQL URL is given), job queue, platform, worker pool and HTTP API.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const traffic = resolveTrafficLimits(options.traffic);
  const dir = dataDirLayout(options.dataDir);
  const release = await claimDataDir(dir);
  const cleanups: Array<() => Promise<void>> = [release];
  // Last opened, first closed; each cleanup runs once however often close is called.
  const closeAll = async (): Promise<void> => {
    for (let cleanup = cleanups.pop(); cleanup !== undefined; cleanup = cleanups.pop()) await cleanup().catch(() => undefined);
  };
  try {
    const database = await openDatabase(options.databaseUrl ?? dir.database, options.databaseSchema === undefined ? {} : { schema: options.databaseSchema });
    cleanups.push(() => database.close());
    const queue = new SqlJobQueue(database.db);
    // This process owns the data directory: whatever was leased belonged to a dead predecessor.
    if (database.dialect === 'sqlite') {
      await queue.releaseAll();
      await freeScheduleLeases(database.db);
    }
    // Leases of workers that died (another machine, a hung run) run out; their jobs are handed out again.
    const reaper = setInterval(() => void queue.releaseExpired().catch(() => undefined), LEASE_REAP_MS);
    reaper.unref();
    cleanups.push(async () => clearInterval(reaper));
    const events = new SubmissionEvents();
    const platform = createPlatform({ db: database.db, queue, events, limits: options.graderLimits ?? DEFAULT_GRADER_LIMIT_RANGES });
    const adminToken = await platform.bootstrapAdmin();

    const blobs = new BlobStore(dir.blobs);
    // Uploads a dead predecessor was receiving (they were never recorded, so nothing refers to them).
    await removeDeadTemps(intakeTmpDir(blobs));
    const images = new ImageStore(dir.images);
    const workers = options.workers ?? 'auto';
    if (workers !== 0) {
      const sandbox = await openStoreSandbox(images, options.backend ?? 'auto', dir.sandbox);
      await sandbox.cleanupStale();
      const cpus = availableParallelism();
      const pool = new WorkerPool({
        queue,
        store: createGradingStore({ db: database.db, events, queue }),
        blobs,
        images,
        sandbox,
        capacity: { cpus, memoryMiB: Math.floor((totalmem() / 1024 / 1024) * 0.8) },
        slots: workers === 'auto' ? cpus : workers,
      });
      pool.start();
      cleanups.push(() => pool.stop({ drain: false }));
    }

    const app = await buildApp({
      platform,
      events,
      blobs,
      images,
      intakeLimits: resolveIntakeLimits(options.intakeLimits),
      maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
      version: options.version,
      logger: options.logger,
      traffic,
      ...(options.web === undefined ? {} : { web: options.web }),
    });
    cleanups.push(() => app.close());
    // Completion times that came while the server was down are acted on now, the next ones as they come.
    const completions = startScheduleTimer((runner) => platform.runDueCompletions(runner), {
      ...(options.schedulePollMs === undefined ? {} : { pollMs: options.schedulePollMs }),
      onError: (error) => app.log.error({ err: error }, 'completing the work of an assignment whose completion time came failed; trying again shortly'),
    });
    cleanups.push(() => completions.stop());
    // Release times that came while the server was down are recorded now (the grades were visible anyway).
    const releases = startScheduleTimer((runner) => platform.runDueReleases(runner), {
      ...(options.schedulePollMs === undefined ? {} : { pollMs: options.schedulePollMs }),
      onError: (error) => app.log.error({ err: error }, 'recording the release events of an assignment whose release time came failed; trying again shortly'),
    });
    cleanups.push(() => releases.stop());
    const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    return {
      url,
      adminToken,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
