/**
 * The createRuntime hook's script, run by the real shells it is written for (dash, and busybox's
 * when installed) on container states shaped as crun and runc write them. nsenter is replaced by a
 * script that records what it was asked to run, so the test needs no container: real runs
 * exercise the whole hook in the sandbox suites.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_NAMESPACE_LIMITS } from '../../src/sandbox/kernel-budgets.ts';
import { createRuntimeHook } from '../../src/sandbox/oci/runtime-hooks.ts';
import type { OciHook } from '../../src/sandbox/oci/oci-spec.ts';
import { findProgram } from '../../src/util/find-program.ts';

let work: string;
let nsenter: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gradebox-hook-'));
  nsenter = join(work, 'nsenter');
  await writeFile(nsenter, `#!/bin/sh\nprintf '%s\\n' "$@" > ${join(work, 'nsenter-args')}\n`);
  await chmod(nsenter, 0o755);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const seccomp = 'A'.repeat(2700);
const states = {
  crun: `{"ociVersion":"1.0","id":"gradebox-1f08fe7c-hhq-3af422d651","pid":4242,"root":"/r/rootfs","bundle":"/r","status":"created","annotations":{"run.oci.seccomp_bpf_data":"${seccomp}"}}`,
  runc: `{"ociVersion":"1.0.2","id":"gradebox-x","status":"creating","pid":4242,"bundle":"/r","annotations":{"run.oci.seccomp_bpf_data":"${seccomp}"}}`,
  'pid last, spaced': `{ "ociVersion": "1.0", "id": "x", "annotations": {"a": "b,c"}, "pid": 4242 }`,
  'no pid': `{"ociVersion":"1.0","id":"x","status":"created"}`,
};

/** Runs the hook as the runtime does: its path and arguments, the state on stdin. */
function runHook(hook: OciHook, state: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [argv0, ...args] = hook.args ?? [];
    const child = spawn(hook.path, args, { argv0, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(state);
  });
}

const busybox = findProgram('busybox');
const shells: [string, string | undefined][] = [['dash (/bin/sh)', undefined], ...(busybox === undefined ? [] : [['busybox', busybox] as [string, string]])];

describe.each(shells)('the hook in %s', (_name, shell) => {
  it.each(['crun', 'runc', 'pid last, spaced'] as const)('finds the pid in a state written by %s and sets every limit inside its namespace', async (kind) => {
    const hook = createRuntimeHook({ nsenter, busybox: shell });
    const result = await runHook(hook, states[kind]);
    expect(result).toEqual({ code: 0, stderr: '' });
    const args = (await readFile(join(work, 'nsenter-args'), 'utf8')).trimEnd().split('\n');
    expect(args.slice(0, 3)).toEqual(['--user', '--target', '4242']);
    const script = args.at(-1) ?? '';
    for (const [name, value] of Object.entries(USER_NAMESPACE_LIMITS)) expect(script).toContain(`echo ${value} > /proc/sys/user/${name}`);
    expect(hook.timeout).toBe(10);
  });

  it('fails the start when the state holds no pid, saying so', async () => {
    const result = await runHook(createRuntimeHook({ nsenter, busybox: shell }), states['no pid']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('gradebox hook: no pid in the container state');
  });

  it('moves the container\'s processes into the run\'s memory cgroup', async () => {
    const from = join(work, 'from.procs');
    const to = join(work, 'to.procs');
    await writeFile(from, '4242\n4243\n');
    await writeFile(to, '');
    const result = await runHook(createRuntimeHook({ nsenter, busybox: shell }, { from, to }), states.crun);
    expect(result).toEqual({ code: 0, stderr: '' });
    // cgroup.procs takes one pid per write; a plain file keeps the last.
    expect(await readFile(to, 'utf8')).toBe('4243\n');
  });
});
