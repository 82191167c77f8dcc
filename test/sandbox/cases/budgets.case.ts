import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openFilesPerProcess, RUN_PTYS, USER_NAMESPACE_LIMITS } from '../../../src/sandbox/kernel-budgets.ts';
import type { PreparedImage, RunOutcome, Sandbox } from '../../../src/sandbox/sandbox.ts';
import { makeSpec, ROOT, type SpecOverrides } from './context.ts';

/** A sandbox and the Python test image as that backend runs it. */
export interface PythonRuns {
  sandbox: Sandbox;
  image: PreparedImage;
}

/**
 * Python that takes as many of one kernel resource as it can, prints how many, then stops
 * itself (SIGSTOP), holding them until the test kills it. `take()` returns a new one or raises.
 */
const hog = (take: string): string => [
  'import ctypes, os, signal, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'held = []',
  'def take():',
  ...take.split('\n').map((line) => `    ${line}`),
  'try:',
  '    while len(held) < 100000: held.append(take())',
  'except OSError as e:',
  '    print(len(held), os.strerror(e.errno), flush=True)',
  'os.kill(os.getpid(), signal.SIGSTOP)',
].join('\n');

/** Python that takes one of the resource and prints `ok`. */
const one = (take: string): string => [
  'import ctypes, os',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'def take():',
  ...take.split('\n').map((line) => `    ${line}`),
  'take()',
  'print("ok")',
].join('\n');

const HOGS = {
  ptys: 'return os.openpty()',
  'inotify instances': 'fd = libc.inotify_init()\nif fd < 0: raise OSError(ctypes.get_errno(), "inotify_init")\nreturn fd',
} as const;

/** Host pid of the process whose command line is exactly `argv`. */
async function hostPid(argv: string[]): Promise<number | undefined> {
  const wanted = `${argv.join('\0')}\0`;
  for (const name of await readdir('/proc')) {
    if (/^\d+$/.test(name) && (await readFile(`/proc/${name}/cmdline`, 'latin1').catch(() => '')) === wanted) return Number(name);
  }
  return undefined;
}

const stopped = async (pid: number): Promise<boolean> => / T /.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));

/** Whether this host (gradebox's own user, root) can still get one of `kind`. */
async function hostCanTake(kind: keyof typeof HOGS): Promise<boolean> {
  const command = kind === 'ptys' ? ['script', ['-qc', 'true', '/dev/null']] as const : ['python3', ['-c', 'import ctypes; assert ctypes.CDLL(None).inotify_init() >= 0']] as const;
  return promisify(execFile)(command[0], [...command[1]]).then(() => true, () => false);
}

/**
 * Kernel resources counted per host or per host user rather than per cgroup: one run holding
 * all it may of each must leave the host and a second run unharmed.
 */
export function defineBudgetCases(python: () => Promise<PythonRuns>): void {
  describe('host-wide kernel budgets', () => {
    const pythonRun = async (overrides: SpecOverrides, signal?: AbortSignal): Promise<RunOutcome> => {
      const { sandbox, image } = await python();
      return sandbox.run(makeSpec(image, { user: { ...ROOT }, limits: { pids: 64, timeoutSeconds: 60 }, ...overrides }), signal);
    };

    it.each([
      ['ptys', RUN_PTYS],
      ['inotify instances', USER_NAMESPACE_LIMITS.max_inotify_instances ?? 0],
    ] as const)('bounds the %s one run can hold; the host and another run still get theirs', async (kind, most) => {
      const script = hog(HOGS[kind]);
      const argv = ['python3', '-c', script];
      // Python as a child of the shell: a namespace's pid 1 cannot stop itself.
      const hogging = pythonRun({ argv: ['/bin/sh', '-c', 'python3 -c "$1"; echo ended', 'sh', script] });
      let pid: number | undefined;
      for (let i = 0; i < 400 && (pid === undefined || !(await stopped(pid))); i++) {
        await sleep(50);
        pid ??= await hostPid(argv);
      }
      expect(pid !== undefined && (await stopped(pid)), `the ${kind} hog never got to hold them`).toBe(true);
      try {
        expect(await hostCanTake(kind), `the host could not get one of ${kind}`).toBe(true);
        const second = await pythonRun({ argv: ['python3', '-c', one(HOGS[kind])] });
        expect(second.stdout.text, `a second run could not get one of ${kind}: ${second.stderr.text}`).toBe('ok\n');
      } finally {
        process.kill(pid ?? 0, 'SIGKILL');
      }
      const outcome = await hogging;
      const [count] = outcome.stdout.text.split(' ');
      expect(Number(count)).toBeGreaterThan(0);
      expect(Number(count)).toBeLessThanOrEqual(most);
    }, 120_000);

    it('gives each process at most its share of the run\'s open files, which not even root may raise', async () => {
      const outcome = await pythonRun({
        limits: { pids: 64, timeoutSeconds: 60 },
        argv: ['python3', '-c', [
          'import os, resource',
          'print(*resource.getrlimit(resource.RLIMIT_NOFILE))',
          'try:',
          '    resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20)); print("raised")',
          'except (ValueError, OSError):',
          '    print("not raised")',
          'fds = []',
          'try:',
          '    while True: fds.append(os.open("/dev/null", os.O_RDONLY))',
          'except OSError as e:',
          '    print(len(fds) + 3, os.strerror(e.errno))',
        ].join('\n')],
      });
      const limit = openFilesPerProcess(64);
      expect(outcome.stdout.text).toBe(`${limit} ${limit}\nnot raised\n${limit} Too many open files\n`);
    });
  });
}
