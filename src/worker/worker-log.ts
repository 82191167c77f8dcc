/**
 * Where the worker reports what happened: pino's (and fastify's) logger fits as it is. Fields
 * carry `jobId`, `attempt`, `err`; messages are short and constant, so logs group well.
 */
export interface WorkerLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Logs nothing (the default). */
export const SILENT_LOG: WorkerLog = Object.freeze({ info: () => undefined, warn: () => undefined, error: () => undefined });
