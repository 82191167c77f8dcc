/**
 * A worker-thread entry for the thread helpers' tests. As a ThreadService entry it answers
 * `{op}` requests; as a one-shot task (workerData set) it does `workerData.op` and posts once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveThreadRequests } from '../../src/util/thread-service.ts';

type Op = { op: 'echo'; value: unknown } | { op: 'throw'; message: string } | { op: 'exit' } | { op: 'hog' } | { op: 'silent' };

function run(input: Op): unknown {
  switch (input.op) {
    case 'echo':
      return input.value;
    case 'throw':
      throw new Error(input.message);
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough
    case 'hog': {
      const hoard: string[][] = [];
      for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `${i}`));
    }
    case 'silent':
      return undefined;
  }
}

if (workerData === null || workerData === undefined) {
  serveThreadRequests<Op, unknown>(run);
} else {
  const output = run(workerData as Op);
  if ((workerData as Op).op !== 'silent') parentPort!.postMessage(output);
}
