/**
 * Worker-thread entry: reads a finished run's outcome into its stored result (see grade-stored.ts).
 * Byte arrays arrive as plain Uint8Arrays; the readers want Buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { OutputFile, RunOutcome } from '../sandbox/sandbox.ts';
import { finishResult, type FinishContext } from './finish-result.ts';
import { encodeResult } from './stored-result.ts';

const { outcome, context } = workerData as { outcome: RunOutcome; context: FinishContext };
const outputs: Record<string, OutputFile> = {};
for (const [path, file] of Object.entries(outcome.outputs)) {
  outputs[path] = file.ok ? { ok: true, data: Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength) } : file;
}
parentPort!.postMessage(encodeResult(finishResult({ ...outcome, outputs }, context)));
