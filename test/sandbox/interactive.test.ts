/**
 * `Sandbox.runInteractive` on the oci backend, once per runtime that works here, and on the docker
 * backend when a daemon answers: a run attached to the caller's descriptors (files here, a tmux
 * terminal for the pty case) with the isolation, limits, end reasons and cleanup of a grading
 * run. The CLI on top: test/cli/inspect*.test.ts.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { runPrefix } from '../../src/sandbox/docker/run-name.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { runIdPrefix } from '../../src/sandbox/oci/run-id.ts';
import type { InteractiveOutcome, InteractiveSpec, PreparedImage, Sandbox } from '../../src/sandbox/sandbox.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';
import { busyboxImage, dockerLeftovers, testDocker } from '../support/docker-test.ts';
import { snapshotLeftovers } from '../support/leftovers.ts';
import { TmuxSession } from '../support/tmux.ts';
import { makeSpec, type SpecOverrides } from './cases/context.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), name));
  dirs.push(dir);
  return dir;
};

/** What a session wrote on its stdout and stderr (files), and how it ended. */
interface Attached {
  outcome: InteractiveOutcome;
  stdout: string;
  stderr: string;
}

/** A backend under test: its sandbox, the busybox image as it runs there, and what its runs may leave behind. */
interface Backend {
  /** `oci/<runtime>` or `docker`, as interactive-child.ts takes it. */
  name: string;
  sandbox: Required<Sandbox>;
  stateDir: string;
  image: () => Promise<PreparedImage>;
  leftovers: () => Promise<string[]>;
}

for (const runtime of ['crun', 'runc'] as const) {
  const stateDir = tempDir(`gradebox-interactive-${runtime}-`);
  const sandbox = new OciSandbox({ stateDir, runtime });
  const problem = await sandbox.runtime().then(() => undefined, (error: unknown) => (error as Error).message);
  if (problem !== undefined) {
    describe.skip(`interactive runs on oci/${runtime}: not usable on this host: ${problem}`, () => {
      it('runs', () => undefined);
    });
    continue;
  }
  defineInteractiveCases({
    name: `oci/${runtime}`, sandbox, stateDir,
    image: async () => ({ id: 'busybox-test', rootfs: await busyboxRootfs() }),
    leftovers: () => snapshotLeftovers({ stateDir, idPrefix: runIdPrefix(stateDir), stateSubdirs: ['runc', 'crun', 'runs', 'trial'] }),
  });
}

const daemon = await testDocker();
if ('reason' in daemon) {
  describe.skip(`interactive runs on docker: ${daemon.reason}`, () => {
    it('runs', () => undefined);
  });
} else {
  const { docker } = daemon;
  const stateDir = tempDir('gradebox-interactive-docker-');
  defineInteractiveCases({
    name: 'docker', sandbox: new DockerSandbox({ stateDir, docker }), stateDir,
    image: () => busyboxImage(docker),
    // Processes in a run's cgroup, its cgroups, and the containers and volumes of this state directory.
    leftovers: async () => [
      ...(await snapshotLeftovers({ stateDir, idPrefix: runPrefix(stateDir), stateSubdirs: [] })),
      ...(await dockerLeftovers(docker, stateDir)),
    ],
  });
}

function defineInteractiveCases({ name, sandbox, stateDir, leftovers, ...backend }: Backend): void {
  describe(`interactive runs on ${name}`, () => {
    let image: PreparedImage;
    let io: string;
    let before: string[];
    beforeAll(async () => {
      image = await backend.image();
      io = tempDir('gradebox-interactive-io-');
    });
    beforeEach(async () => {
      before = await leftovers();
    });
    afterEach(async () => {
      expect(await leftovers(), 'the run left something behind').toEqual(before);
    });

    /** Runs `overrides` with `input` on stdin and stdout/stderr going to files, as `echo … | gradebox inspect` would. */
    async function attached(overrides: SpecOverrides, input = '', signal?: AbortSignal): Promise<Attached> {
      const { outputs: _outputs, outputFileCapBytes: _cap, ...spec } = makeSpec(image, overrides);
      const paths = ['stdin', 'stdout', 'stderr'].map((stream) => join(io, stream));
      writeFileSync(paths[0]!, input);
      const [stdin, stdout, stderr] = [openSync(paths[0]!, 'r'), openSync(paths[1]!, 'w'), openSync(paths[2]!, 'w')];
      try {
        const outcome = await sandbox.runInteractive(spec satisfies InteractiveSpec, { terminal: false, stdin, stdout, stderr }, signal);
        return { outcome, stdout: readFileSync(paths[1]!, 'utf8'), stderr: readFileSync(paths[2]!, 'utf8') };
      } finally {
        for (const fd of [stdin, stdout, stderr]) closeSync(fd);
      }
    }

    it('the program reads stdin and writes stdout and stderr directly; its exit status comes back', async () => {
      const { outcome, stdout, stderr } = await attached({ argv: ['/bin/sh', '-c', 'id -u; echo oops >&2; read line; echo "got $line"; exit 7'] }, 'the line\n');
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 7, signal: null, oomKills: 0 });
      expect(stdout).toBe('1000\ngot the line\n');
      expect(stderr).toBe('oops\n');
      expect(outcome.usage.wallMs).toBeGreaterThan(0);
    });

    it('the end of the caller\'s input closes the program\'s stdin', async () => {
      const { outcome, stdout } = await attached({ argv: ['/bin/sh', '-c', 'wc -c; echo "after the end"'] }, 'four\n');
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(stdout.replace(/^ +/, '')).toBe('5\nafter the end\n');
    });

    it('may run as root, with a container root\'s capabilities inside its user namespace, under no_new_privs and seccomp, as grading runs may', async () => {
      const script = 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\\t"';
      const { stdout } = await attached({ argv: ['/bin/sh', '-c', script], user: { uid: 0, gid: 0 } });
      const [uid, capEff, capBnd, ...rest] = stdout.split('\n');
      expect(uid).toBe('0');
      expect(capEff).toMatch(/^CapEff:[0-9a-f]{16}$/);
      expect(capEff).not.toBe('CapEff:0000000000000000');
      expect(capBnd?.replace('CapBnd', 'CapEff')).toBe(capEff);
      expect(rest).toEqual(['NoNewPrivs:1', 'Seccomp:2', '']);
      expect(await sandbox.run(makeSpec(image, { user: { uid: 0, gid: 0 }, argv: ['/bin/sh', '-c', 'id -u'] }))).toMatchObject({ reason: 'exited', exitCode: 0, stdout: { text: '0\n' } });
    });

    /**
     * How long a session may last past the moment it should stop: a second to kill it, plus twice
     * what a trivial session costs on this backend now (measured in the same test, so a slower
     * or busier machine gets more time rather than a failure).
     */
    async function stopSlackMs(): Promise<number> {
      const { outcome } = await attached({ argv: ['/bin/sh', '-c', 'exit 0'] });
      return 1000 + 2 * outcome.usage.wallMs;
    }

    it('a wall-clock timeout kills the whole session', async () => {
      const slack = await stopSlackMs();
      const { outcome } = await attached({ argv: ['/bin/sh', '-c', 'sleep 60 & sleep 60'], limits: { timeoutSeconds: 1 } });
      expect(outcome).toMatchObject({ reason: 'timeout', exitCode: null, signal: 'SIGKILL' });
      expect(outcome.usage.wallMs).toBeLessThan(1000 + slack);
    });

    it('an abort kills it at once', async () => {
      const slack = await stopSlackMs();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const { outcome } = await attached({ argv: ['/bin/sh', '-c', 'sleep 60'] }, '', controller.signal);
      expect(outcome).toMatchObject({ reason: 'killed', exitCode: null });
      expect(outcome.usage.wallMs).toBeLessThan(300 + slack);
    });

    it('the memory limit: a killed child is counted, the killed program ends the session as out-of-memory', async () => {
      const child = await attached({ argv: ['/bin/sh', '-c', 'tail /dev/zero; echo "tail $?"'], limits: { memoryMiB: 32 } });
      expect(child.outcome).toMatchObject({ reason: 'exited', exitCode: 0 });
      expect(child.outcome.oomKills).toBeGreaterThan(0);
      expect(child.stdout).toBe('tail 137\n');
      const program = await attached({ argv: ['/bin/sh', '-c', 'exec tail /dev/zero'], limits: { memoryMiB: 32 } });
      expect(program.outcome).toMatchObject({ reason: 'out-of-memory', exitCode: null, signal: 'SIGKILL' });
    });

    it('a program that cannot be executed exits 127, like a shell, and stderr says why', async () => {
      const { outcome, stderr } = await attached({ argv: ['/nonexistent'] });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 127 });
      // runc: `exec: "/nonexistent": stat /nonexistent: no such file or directory`; crun:
      // `executable file `/nonexistent` not found in $PATH: No such file or directory`.
      expect(stderr).toMatch(/\/nonexistent.*: no such file or directory\n$/i);
    });

    it('keep: the volumes and the writable places are copied out', async () => {
      const { outcome } = await attached({ argv: ['/bin/sh', '-c', 'echo v > /shared/v; echo r > /root/change'], user: { uid: 0, gid: 0 }, keep: true });
      expect(outcome.keptAt).toBeDefined();
      expect(await readFile(join(outcome.keptAt!, 'volumes', 'shared', 'v'), 'utf8')).toBe('v\n');
      expect(await readFile(join(outcome.keptAt!, 'rootfs-changes', 'root', 'change'), 'utf8')).toBe('r\n');
      if (name === 'docker') {
        // And the containers' configuration.
        const configs = JSON.parse(await readFile(join(outcome.keptAt!, 'containers.json'), 'utf8')) as { Labels: Record<string, string>; OpenStdin?: boolean }[];
        expect(configs.map((c) => [c.Labels['io.gradebox.role'], c.OpenStdin])).toEqual([['keeper', true], ['grader', true]]);
      }
    });

    it('a terminal needs a terminal on stdin: refused before anything is created', async () => {
      const stdin = openSync('/dev/null', 'r');
      try {
        const { outputs: _outputs, outputFileCapBytes: _cap, ...spec } = makeSpec(image);
        await expect(sandbox.runInteractive(spec, { terminal: true, stdin })).rejects.toThrow(/needs a terminal on its stdin/);
      } finally {
        closeSync(stdin);
      }
    });

    it('with a terminal: the program gets a pty of its own, the size of the caller\'s', async () => {
      const tty = await TmuxSession.start({
        dir: io, width: 90, height: 25, env: process.env,
        command: [process.execPath, join(import.meta.dirname, 'interactive-child.ts'), name, stateDir, image.id, image.rootfs,
          // With crun (and Docker) the size arrives a few milliseconds after the program starts (see HostTerminal).
          '/bin/sh', '-c', 'sleep 0.5; tty; stty size; [ -t 0 ] && echo "stdin is a terminal"; exit 6'],
      });
      try {
        expect(await tty.waitForExit(30_000)).toBe(6);
        const screen = await tty.screen();
        expect(screen).toMatch(/^\/dev\/pts\/0$/m);
        expect(screen).toMatch(/^25 90$/m);
        expect(screen).toMatch(/^stdin is a terminal$/m);
      } finally {
        await tty.kill();
      }
    });
  });
}
