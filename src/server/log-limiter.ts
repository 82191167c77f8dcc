/**
 * Keeps the log readable under a flood: a warning or error repeated (same level, message and
 * error) is written at most `perWindow` times per window; the rest are counted and summed up in
 * one line when the window ends. A flood of refused connections or cut uploads then costs a few
 * lines a minute, not tens of thousands. Lines below `warn` (request logs asked for with
 * `--log info`) pass untouched.
 */
import type { FastifyBaseLogger, FastifyLogFn, FastifyServerOptions } from 'fastify';

type Logger = FastifyBaseLogger;
type LogFn = FastifyLogFn;

export interface LogLimit {
  perWindow: number;
  windowMs: number;
}

export const DEFAULT_LOG_LIMIT: LogLimit = { perWindow: 10, windowMs: 60_000 };

/** pino's numeric level of `warn`. */
const WARN = 40;
/** Distinct repeated lines tracked at once; beyond, new kinds count under one shared key. */
const MAX_KINDS = 1000;

interface Kind {
  written: number;
  suppressed: number;
  windowStart: number;
  /** How to write the summary: the logger and level method that last logged this kind. */
  logger: Logger;
  method: LogFn;
  message: string;
}

/** The message and error of a pino call's arguments: what makes two lines "the same". */
function kindOf(args: unknown[], level: number): { key: string; message: string } {
  const [first, second] = args;
  const message = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
  const candidate = first instanceof Error ? first : (first as { err?: unknown } | undefined)?.err;
  const err = candidate instanceof Error ? (candidate as NodeJS.ErrnoException) : undefined;
  const code = err?.code ?? '';
  return { key: `${level}\u0000${message}\u0000${code}\u0000${err?.message ?? ''}`, message };
}

/** The rate limiter as pino's `logMethod` hook, and `stop()` for its timer. */
export function limitRepeatedLines(limit: LogLimit = DEFAULT_LOG_LIMIT, now: () => number = Date.now): {
  logMethod: (this: Logger, args: unknown[], method: LogFn, level: number) => void;
  stop(): void;
} {
  const kinds = new Map<string, Kind>();
  const summarize = (kind: Kind): void => {
    if (kind.suppressed === 0) return;
    const seconds = Math.round((now() - kind.windowStart) / 1000);
    kind.method.call(kind.logger, { suppressed: kind.suppressed, seconds }, `${kind.suppressed} more lines like "${kind.message}" in the last ${seconds} s were not written`);
    kind.suppressed = 0;
  };
  const sweep = (): void => {
    const time = now();
    for (const [key, kind] of kinds) {
      if (time - kind.windowStart < limit.windowMs) continue;
      summarize(kind);
      kinds.delete(key);
    }
  };
  const timer = setInterval(sweep, limit.windowMs);
  timer.unref();
  return {
    logMethod(this: Logger, args: unknown[], method: LogFn, level: number): void {
      if (level < WARN) {
        method.apply(this, args as Parameters<LogFn>);
        return;
      }
      const found = kindOf(args, level);
      const key = kinds.size >= MAX_KINDS && !kinds.has(found.key) ? `${level}\u0000(many kinds)` : found.key;
      let kind = kinds.get(key);
      if (kind !== undefined && now() - kind.windowStart >= limit.windowMs) {
        summarize(kind);
        kinds.delete(key);
        kind = undefined;
      }
      if (kind === undefined) {
        kind = { written: 0, suppressed: 0, windowStart: now(), logger: this, method, message: found.message };
        kinds.set(key, kind);
      }
      if (kind.written < limit.perWindow) {
        kind.written++;
        method.apply(this, args as Parameters<LogFn>);
      } else {
        kind.suppressed++;
        kind.logger = this;
        kind.method = method;
      }
    },
    stop(): void {
      clearInterval(timer);
      for (const kind of kinds.values()) summarize(kind);
      kinds.clear();
    },
  };
}

/** fastify's logger option with the limiter added (false, an instance or no option stay as they are). */
export function withLineLimit(logger: FastifyServerOptions['logger'], hook: ReturnType<typeof limitRepeatedLines>): FastifyServerOptions['logger'] {
  if (logger === undefined || typeof logger === 'boolean') return logger;
  const existing = (logger as { hooks?: Record<string, unknown> }).hooks ?? {};
  return { ...logger, hooks: { ...existing, logMethod: hook.logMethod } };
}
