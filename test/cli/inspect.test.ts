/**
 * `gradebox inspect` on a real terminal: the real command (bin/gradebox.js over dist/, so build
 * first) in a tmux session, driven with send-keys and read with capture-pane, once per OCI
 * runtime that works here (GRADEBOX_OCI_RUNTIME) and once on the docker backend when a daemon
 * answers. Checks what a user at a terminal gets: the
 * prompt, line editing, Ctrl-C reaching the shell, the window size following the terminal, the
 * production layout, the exit code, and nothing left behind, also when the terminal is closed.
 * Piped stdin, flags and errors: inspect-pipe.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { testDocker } from '../support/docker-test.ts';
import { assertBuildIsFresh, cliEnv, GRADEBOX_BIN, REPO_ROOT } from '../support/run-cli.ts';
import { TmuxSession } from '../support/tmux.ts';
import { testImage } from '../support/test-image.ts';
import { isAlive } from '../../src/util/is-alive.ts';
import { makeCliHome, type CliHome } from '../support/cli-home.ts';

const GOOD_SUMS = join(REPO_ROOT, 'test', 'fixtures', 'submissions', 'sums', 'good');

/** A way to run sessions: the flags and environment that choose it. */
interface Backend {
  name: string;
  args: string[];
  env: Record<string, string>;
}

// Every runtime that works here, and the docker backend, get the whole suite; the terminal is where they differ most.
const backends: Backend[] = [];
for (const name of ['crun', 'runc'] as const) {
  const dir = mkdtempSync(join(tmpdir(), `gradebox-inspect-probe-${name}-`));
  if (await new OciSandbox({ stateDir: dir, runtime: name }).runtime().then(() => true, () => false)) {
    backends.push({ name: `oci/${name}`, args: ['--backend', 'oci'], env: { GRADEBOX_OCI_RUNTIME: name } });
  }
  rmSync(dir, { recursive: true, force: true });
}
const daemon = await testDocker();
const docker: Docker | undefined = 'docker' in daemon ? daemon.docker : undefined;
if (docker !== undefined) backends.push({ name: 'docker', args: ['--backend', 'docker'], env: {} });
else describe.skip(`gradebox inspect on a terminal (docker): ${'reason' in daemon ? daemon.reason : ''}`, () => it('runs', () => undefined));

let work: string;
let home: string;
let leftovers: CliHome['leftovers'];

beforeAll(async () => {
  assertBuildIsFresh();
  ({ work, home, leftovers } = await makeCliHome('gradebox-inspect-test-', docker));
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** An expression the shell computes, so the answer on screen cannot be the typed command's echo. */
const mark = (n: number): { command: string; shown: RegExp } => ({ command: `echo "M$((${n} * 7))"`, shown: new RegExp(`^M${n * 7}$`, 'm') });
const PROMPT = /[$#] ?$/;

describe.each(backends)('gradebox inspect on a terminal ($name)', (backend) => {
  /** Runs `gradebox inspect args…` on a 100×30 terminal, waits for the prompt, and checks for leftovers afterwards. */
  async function withSession(args: string[], body: (tty: TmuxSession) => Promise<void>): Promise<void> {
    expect(await leftovers()).toEqual([]);
    const tty = await TmuxSession.start({
      dir: work, width: 100, height: 30,
      command: [process.execPath, GRADEBOX_BIN, 'inspect', ...backend.args, ...args],
      env: cliEnv({ GRADEBOX_HOME: home, NO_COLOR: '1', ...backend.env }),
    });
    try {
      await tty.waitFor(PROMPT, 30_000);
      await body(tty);
    } finally {
      await tty.kill();
      // The terminal is closed (SIGHUP) by now if the test did not end the shell; cleanup takes a
      // moment then (a docker session removes two containers and their volumes). Waited for even
      // when the test failed, so the next one starts clean.
      for (let i = 0; i < 200 && (await leftovers()).length > 0; i++) await sleep(50);
    }
    expect(await leftovers()).toEqual([]);
  }

  it('shows a prompt, edits the line, and exits with the shell\'s exit code', async () => {
    await withSession([testImage('coursera-sh')], async (tty) => {
      const screen = await tty.screen();
      expect(screen).toMatch(/^gradebox: \/bin\/sh as uid 1000, coursera layout/m);
      await tty.keys('-l', 'echo hellx');
      await tty.keys('BSpace', 'o', 'Enter');
      await tty.waitFor(/^hello$/m);
      await tty.type('exit 3');
      expect(await tty.waitForExit()).toBe(3);
    });
  });

  it('Ctrl-C interrupts the program in the foreground, and the shell and gradebox carry on', async () => {
    await withSession([testImage('coursera-sh')], async (tty) => {
      await tty.type('sleep 100; echo SLEPT');
      await sleep(300);
      const sent = performance.now();
      await tty.keys('C-c');
      const { command, shown } = mark(6);
      await tty.type(command);
      await tty.waitFor(shown, 5000);
      expect(performance.now() - sent).toBeLessThan(5000);
      expect(await tty.screen()).not.toMatch(/^SLEPT$/m);
      expect(await tty.exitStatus()).toBeUndefined();
      await tty.type('exit 0');
      expect(await tty.waitForExit()).toBe(0);
    });
  });

  it('every key reaches the shell: Ctrl-P recalls the last line, Ctrl-P Ctrl-Q does not detach (Docker\'s default sequence)', async () => {
    await withSession([testImage('coursera-sh')], async (tty) => {
      const { command, shown } = mark(11);
      await tty.type(command);
      await tty.waitFor(shown);
      await tty.keys('C-p', 'C-q', 'Enter');
      // The recalled line ran again: the answer is on the screen twice.
      const twice = /^M77$[\s\S]*^M77$/m;
      await tty.waitFor(twice, 5000);
      expect(await tty.exitStatus()).toBeUndefined();
      await tty.type('exit 0');
      expect(await tty.waitForExit()).toBe(0);
    });
  });

  it('the window size is the terminal\'s, and follows it when it is resized', async () => {
    await withSession([testImage('coursera-sh')], async (tty) => {
      await tty.type('stty size');
      await tty.waitFor(/^30 100$/m);
      await tty.resize(120, 40);
      await sleep(300);
      await tty.type('stty size');
      await tty.waitFor(/^40 120$/m);
      await tty.type('exit');
      expect(await tty.waitForExit()).toBe(0);
    });
  });

  it('-d: uid 1000, the submission read-only at /shared/submission inside a writable /shared', async () => {
    await withSession([testImage('coursera-sh'), '-d', GOOD_SUMS], async (tty) => {
      await tty.type('id -u; ls /shared/submission; touch /shared/submission/new || echo "RO$((1+1))"; touch /shared/ok && echo "RW$((1+1))"');
      const screen = await tty.waitFor(/^RW2$/m);
      expect(screen).toMatch(/^1000$/m);
      expect(screen).toMatch(/^answer\.txt$/m);
      expect(screen).toMatch(/^RO2$/m);
      await tty.type('exit');
      expect(await tty.waitForExit()).toBe(0);
    });
  });

  it("--super-user: root of the session's own user namespace, with a container root's capabilities there, no_new_privs and seccomp", async () => {
    await withSession([testImage('coursera-sh'), '--super-user'], async (tty) => {
      expect(await tty.screen()).toMatch(/^gradebox: \/bin\/sh as root \(uid 0 of the sandbox's user namespace\), coursera layout/m);
      await tty.type('id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\\t"; cat /proc/self/uid_map; echo "D$((1+1))"');
      const screen = await tty.waitFor(/^D2$/m);
      expect(screen).toMatch(/^0$/m);
      // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT AUDIT_WRITE SETFCAP
      expect(screen).toMatch(/^CapEff:00000000a00405fb$/m);
      expect(screen).toMatch(/^CapBnd:00000000a00405fb$/m);
      // Root inside maps to an unprivileged host id: gradebox's range (oci) or the daemon's remap (docker).
      const hostRoot = Number(/\b0\s+(\d+)\s+65536\b/.exec(screen)?.[1]);
      expect(hostRoot).toBeGreaterThan(65535);
      expect(screen).toMatch(/^NoNewPrivs:1$/m);
      expect(screen).toMatch(/^Seccomp:2$/m);
      await tty.type('exit 0');
      expect(await tty.waitForExit()).toBe(0);
    });
  });

  it('a Gradescope image gets bash when it has it, in /autograder with the submission and metadata', async () => {
    await withSession([testImage('gradescope-py'), '-d', GOOD_SUMS], async (tty) => {
      // As grading runs Gradescope graders: root of the session's own user namespace.
      expect(await tty.screen()).toMatch(/^gradebox: \/bin\/bash as root \(uid 0 of the sandbox's user namespace\), gradescope layout, submission at \/autograder\/submission/m);
      await tty.type('echo "$0 $PWD"; ls /autograder/submission; test -f /autograder/submission_metadata.json && touch /autograder/results/r && echo "GS$((1+1))"');
      const screen = await tty.waitFor(/^GS2$/m);
      expect(screen).toMatch(/^\/bin\/bash \/autograder$/m);
      expect(screen).toMatch(/^answer\.txt$/m);
      await tty.type('exit 5');
      expect(await tty.waitForExit()).toBe(5);
    });
  });

  it('closing the terminal (SIGHUP) ends the session and cleans up everything', async () => {
    await withSession([testImage('coursera-sh')], async (tty) => {
      await tty.type('sleep 1000');
      // Running in its cgroup: the session really is there to be cleaned up.
      for (let i = 0; i < 100 && !(await leftovers()).some((item) => item.includes('sleep 1000') && item.includes('[in a run cgroup]')); i++) await sleep(50);
      expect((await leftovers()).some((item) => item.includes('sleep 1000'))).toBe(true);
      const gradebox = await tty.pid();
      await tty.kill();
      for (let i = 0; i < 100 && isAlive(gradebox); i++) await sleep(50);
      expect(isAlive(gradebox), 'gradebox exits after SIGHUP').toBe(false);
    });
  });
});
