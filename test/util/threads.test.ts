import { describe, expect, it } from 'vitest';
import { ThreadService } from '../../src/util/thread-service.ts';
import { runThreadTask, siblingModule, ThreadTaskError } from '../../src/util/thread-task.ts';

const ENTRY = siblingModule(new URL('../support/x.ts', import.meta.url).href, 'test-thread');

describe('siblingModule', () => {
  it('keeps the caller\'s extension: .ts from the sources, .js from dist', () => {
    expect(siblingModule('file:///repo/src/grader/grade-stored.ts', 'finish-thread').href).toBe('file:///repo/src/grader/finish-thread.ts');
    expect(siblingModule('file:///repo/dist/grader/grade-stored.js', 'finish-thread').href).toBe('file:///repo/dist/grader/finish-thread.js');
  });
});

describe('runThreadTask', () => {
  it('resolves with what the thread posts', async () => {
    expect(await runThreadTask(ENTRY, { op: 'echo', value: { a: [1, 'x'], bytes: new Uint8Array([1, 2]) } })).toEqual({ a: [1, 'x'], bytes: new Uint8Array([1, 2]) });
  });

  it('rejects with a started ThreadTaskError when the work throws, exits or says nothing', async () => {
    for (const [input, message] of [
      [{ op: 'throw', message: 'bad input' }, 'bad input'],
      [{ op: 'exit' }, 'the thread exited with code 3 before it answered'],
      [{ op: 'silent' }, 'the thread exited with code 0 before it answered'],
    ] as const) {
      const error = await runThreadTask(ENTRY, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThreadTaskError);
      expect(error).toMatchObject({ message, started: true });
    }
  });

  it('reports a thread past its heap limit as ERR_WORKER_OUT_OF_MEMORY', async () => {
    const error = await runThreadTask(ENTRY, { op: 'hog' }, { maxOldGenerationSizeMb: 16 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY', started: true });
  });

  it('rejects as not started when the entry does not exist', async () => {
    const error = await runThreadTask(new URL('./no-such-entry.js', import.meta.url), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadTaskError);
    expect(error).toMatchObject({ started: false });
  });
});

describe('ThreadService', () => {
  it('answers requests in order, several at once, on one thread', async () => {
    const service = new ThreadService<unknown, unknown>(ENTRY);
    try {
      const answers = await Promise.all([1, 2, 3].map((value) => service.call({ op: 'echo', value })));
      expect(answers).toEqual([1, 2, 3]);
    } finally {
      await service.close();
    }
  });

  it('fails only the request whose work throws', async () => {
    const service = new ThreadService<unknown, unknown>(ENTRY);
    try {
      await expect(service.call({ op: 'throw', message: 'no such view' })).rejects.toThrow('no such view');
      expect(await service.call({ op: 'echo', value: 'still here' })).toBe('still here');
    } finally {
      await service.close();
    }
  });

  it('fails the requests of a thread that dies, and starts a new one for the next', async () => {
    const service = new ThreadService<unknown, unknown>(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: 16 } });
    try {
      const lost = await Promise.allSettled([service.call({ op: 'hog' }), service.call({ op: 'echo', value: 'queued behind' })]);
      expect(lost.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(lost[0]).toMatchObject({ reason: { code: 'ERR_WORKER_OUT_OF_MEMORY' } });
      await expect(service.call({ op: 'exit' })).rejects.toThrow(/exited with code 3/);
      expect(await service.call({ op: 'echo', value: 'new thread' })).toBe('new thread');
    } finally {
      await service.close();
    }
  });

  it('stops its thread after idleMs without requests, and starts one again when asked', async () => {
    const service = new ThreadService<unknown, unknown>(ENTRY, { idleMs: 50 });
    try {
      expect(await service.call({ op: 'echo', value: 1 })).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await service.call({ op: 'echo', value: 2 })).toBe(2);
    } finally {
      await service.close();
    }
  });
});
