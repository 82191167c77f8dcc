/**
 * Grading for the service: the same as `grade()`, ending with the result's stored form. A run
 * whose output is big (a results.json of megabytes, maybe a million tests) is read, capped and
 * serialized on a worker thread with its own heap limit, so the server's event loop never parses
 * or writes it and the server's memory is not at stake; the main thread only gets the stored form
 * (compressed, for a big result). One long-lived thread does it, warm; when that thread dies (one
 * output passed its heap limit), each output it held is read again on a thread of its own, so that
 * only the output that caused it is blamed.
 * Reading an outcome is deterministic: when it fails, the job gets a `grader-error` result rather
 * than an exception that would make the service run the grader again.
 */
import type { GradeResult } from './grade-result.ts';
import { gradeRun, type GradeDeps, type GradeRequest } from './grade.ts';
import { finishResult, type FinishContext } from './finish-result.ts';
import { failed, formatBytes } from './interpret-run.ts';
import { encodeResult, type StoredResult } from './stored-result.ts';
import type { RunOutcome } from '../sandbox/sandbox.ts';
import { ThreadService } from '../util/thread-service.ts';
import { runThreadTask, siblingModule, ThreadTaskError } from '../util/thread-task.ts';
import type { FinishInput } from './finish-thread.ts';

export interface StoredGradeOptions {
  /** Outputs (result files, stdout, stderr) of at least this many bytes are read on a worker thread. */
  threadFromBytes?: number;
  /** Read on a thread of its own with this heap limit, instead of the shared thread. */
  threadHeapMiB?: number;
}

/** Outputs from 256 KiB up are read off the event loop: below, a thread costs more than it saves. */
export const THREAD_FROM_BYTES = 256 * 1024;
/** Enough to parse a 16 MiB results.json of five million empty tests, far from what the server itself needs. */
export const THREAD_HEAP_MIB = 1024;

const FINISH_THREAD = siblingModule(import.meta.url, 'finish-thread');
const finisher = new ThreadService<FinishInput, StoredResult>(FINISH_THREAD, { resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MIB } });

/** Grades as `grade()` does and returns the result's stored form (see stored-result.ts). */
export async function gradeStored(request: GradeRequest, deps: GradeDeps, signal?: AbortSignal, options: StoredGradeOptions = {}): Promise<StoredResult> {
  const ran = await gradeRun(request, deps, signal);
  if ('result' in ran) return encodeResult(ran.result);
  const { outcome, context } = ran;
  const bytes = outputBytes(outcome);
  if (bytes < (options.threadFromBytes ?? THREAD_FROM_BYTES)) return encodeResult(finishResult(outcome, context));
  if (options.threadHeapMiB === undefined) {
    try {
      return await finisher.call({ outcome, context });
    } catch (error) {
      if (!(error instanceof ThreadTaskError)) throw error;
      // The shared thread failed this one or died (maybe of another output): read it alone.
    }
  }
  return readAlone(outcome, context, bytes, options.threadHeapMiB ?? THREAD_HEAP_MIB);
}

/** Reads `outcome` on a thread of its own; what goes wrong there is this output's doing. */
async function readAlone(outcome: RunOutcome, context: FinishContext, bytes: number, heapMiB: number): Promise<StoredResult> {
  try {
    return await runThreadTask<FinishInput, StoredResult>(FINISH_THREAD, { outcome, context }, { maxOldGenerationSizeMb: heapMiB });
  } catch (error) {
    // A thread that never started is the machine's trouble (a retry may help); anything after is the output's.
    if (!(error instanceof ThreadTaskError) || !error.started) throw error;
    const why = error.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `reading the grader's output (${formatBytes(bytes)}) took more than gradebox's ${heapMiB} MiB for it; write a smaller result`
      : `gradebox could not read the grader's output (${error.message}); this is a gradebox bug, please report it`;
    return encodeResult(unreadable(outcome, context, why));
  }
}

/** What reading `outcome` has to go through: its result files, stdout and stderr. */
function outputBytes(outcome: RunOutcome): number {
  let total = outcome.stdout.text.length + outcome.stderr.text.length;
  for (const file of Object.values(outcome.outputs)) if (file.ok) total += file.data.byteLength;
  return total;
}

function unreadable(outcome: RunOutcome, context: FinishContext, why: string): GradeResult {
  const { outputVisibility: _visibility, ...verdict } = failed([why], []);
  return {
    ...context.base,
    ...verdict,
    output: { stdout: outcome.stdout, stderr: outcome.stderr, visibleToStudents: false },
    run: { ...outcome.usage, reason: outcome.reason, exitCode: outcome.exitCode, signal: outcome.signal },
  };
}
