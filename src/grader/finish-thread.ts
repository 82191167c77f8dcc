/**
 * Worker-thread entry: reads a finished run's outcome into its stored result (see grade-stored.ts).
 * With `workerData` it does that once and posts the answer (a thread of its own); without, it
 * answers requests as a ThreadService. Byte arrays arrive as plain Uint8Arrays; readers want Buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { OutputFile, RunOutcome } from '../sandbox/sandbox.ts';
import { serveThreadRequests } from '../util/thread-service.ts';
import { finishResult, type FinishContext } from './finish-result.ts';
import { encodeResult, type StoredResult } from './stored-result.ts';

export interface FinishInput {
  outcome: RunOutcome;
  context: FinishContext;
}

function finish({ outcome, context }: FinishInput): StoredResult {
  const outputs: Record<string, OutputFile> = {};
  for (const [path, file] of Object.entries(outcome.outputs)) {
    outputs[path] = file.ok ? { ok: true, data: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength) } : file;
  }
  return encodeResult(finishResult({ ...outcome, outputs }, context));
}

if (workerData === null || workerData === undefined) serveThreadRequests<FinishInput, StoredResult>(finish);
else parentPort!.postMessage(finish(workerData as FinishInput));
