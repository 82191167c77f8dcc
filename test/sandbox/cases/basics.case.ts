import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { run, sh, type SuiteContext } from './context.ts';

/** Whether something on the host accepts connections on 127.0.0.1:`port`. */
function hostListens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Exit status, output, identity, privileges, environment, network. */
export function defineBasicCases(ctx: SuiteContext): void {
  describe('basics', () => {
    it('reports the exit code and both output streams', async () => {
      const outcome = await run(ctx, { argv: sh('echo out; echo err >&2; printf "ünï"; exit 7') });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 7, signal: null });
      expect(outcome.stdout).toEqual({ text: 'out\nünï', bytes: 9, truncated: false });
      expect(outcome.stderr).toEqual({ text: 'err\n', bytes: 4, truncated: false });
      expect(outcome.usage.wallMs).toBeGreaterThan(0);
    });

    it('runs as the given non-root user, with no capabilities, no_new_privs and seccomp', async () => {
      const outcome = await run(ctx, {
        argv: sh('id -u; id -g; id -G; hostname; grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Groups):" /proc/self/status; unshare -U true && echo UNSHARED; unshare -n true && echo UNSHARED'),
        user: { uid: 1234, gid: 4321 },
      });
      expect(outcome.reason).toBe('exited');
      const lines = outcome.stdout.text.split('\n');
      expect(lines.slice(0, 4)).toEqual(['1234', '4321', '4321', 'grader']);
      const status = Object.fromEntries(lines.slice(4).filter(Boolean).map((line) => line.split(/:\s*/) as [string, string]));
      for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(status[cap], cap).toBe('0000000000000000');
      expect(status).toMatchObject({ NoNewPrivs: '1', Seccomp: '2' });
      // No supplementary group but the run's own gid: oci lists none, Docker always lists the primary
      // gid there (its API cannot clear it), which grants nothing more.
      expect(['', '4321']).toContain(status.Groups?.trim());
      expect(outcome.stdout.text).not.toContain('UNSHARED');
    });

    it('refuses namespace creation with EPERM from the seccomp filter, and allows the harmless personalities', async () => {
      // Unprivileged user namespaces work on the host, so only the filter stops `unshare -U`.
      const outcome = await run(ctx, { argv: sh('for ns in -U -m -n -p -i; do unshare $ns true 2>&1 || echo "$ns refused"; done; linux32 uname -m') });
      const lines = outcome.stdout.text.trim().split('\n');
      for (const ns of ['-U', '-m', '-n', '-p', '-i']) expect(lines, ns).toContain(`${ns} refused`);
      expect(lines.filter((line) => line.includes('unshare'))).toEqual(Array(5).fill(expect.stringMatching(/Operation not permitted/) as unknown));
      expect(lines.at(-1)).toMatch(/^i[3-6]86$/);
    });

    it('keeps parallel runs apart', async () => {
      const outcomes = await Promise.all([1, 2, 3, 4].map((n) => run(ctx, {
        argv: sh(`echo ${n} > /shared/n; sleep 0.2; cat /shared/n; ls /shared`),
        outputs: ['/shared/n'],
      })));
      outcomes.forEach((outcome, i) => {
        expect(outcome.stdout.text).toBe(`${i + 1}\nn\n`);
        expect(outcome.outputs['/shared/n']).toEqual({ ok: true, data: Buffer.from(`${i + 1}\n`) });
      });
    });

    it('refuses ids outside the run\'s user namespace', async () => {
      await expect(run(ctx, { user: { uid: 65536, gid: 0 } })).rejects.toThrow(/0 to 65535/);
      await expect(run(ctx, { user: { uid: 1000, gid: -1 } })).rejects.toThrow(/0 to 65535/);
    });

    it('passes the environment and working directory, with a default PATH', async () => {
      const outcome = await run(ctx, { argv: ['sh', '-c', 'echo "$partId|$PATH|$(pwd)"'], env: { partId: 'p 1' }, cwd: '/shared' });
      expect(outcome.stdout.text).toBe('p 1|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|/shared\n');
    });

    it('reports a program that cannot be executed as exit 127, with the reason on stderr', async () => {
      const outcome = await run(ctx, { argv: ['/no/such/grader'] });
      expect(outcome).toMatchObject({ reason: 'exited', exitCode: 127 });
      expect(outcome.stderr.text).toMatch(/no such file|not found/i);
    });

    it('places read-only files', async () => {
      const outcome = await run(ctx, {
        argv: sh('cat /autograder/submission_metadata.json; echo x > /autograder/submission_metadata.json || echo REFUSED'),
        files: [{ target: '/autograder/submission_metadata.json', content: '{"id":1}' }],
      });
      expect(outcome.stdout.text).toBe('{"id":1}REFUSED\n');
    });

    it('has only a loopback interface: the host network, including its 127.0.0.1, is unreachable', async () => {
      // PostgreSQL listens on the host's 127.0.0.1:5432 on the reference machine; any host port proves the point.
      const hostPort = (await hostListens(5432)) ? 5432 : undefined;
      const outcome = await run(ctx, {
        argv: sh(`ls /sys/class/net; ip -o -4 addr show lo | grep -q 127.0.0.1 && echo LO-UP
          nc -w 1 127.0.0.1 ${hostPort ?? 5432} </dev/null && echo HOST-REACHED
          nc -l -p 8080 > /tmp/got & listener=$!
          for i in $(seq 50); do echo ping | nc -w 1 127.0.0.1 8080 2>/dev/null && break; sleep 0.1; done
          wait $listener; cat /tmp/got`),
      });
      expect(outcome.reason).toBe('exited');
      expect(outcome.stdout.text).toBe('lo\nLO-UP\nping\n');
    });

    it('has a real network interface when the spec asks for network', async () => {
      const outcome = await run(ctx, { network: true, argv: sh('ls /sys/class/net') });
      expect(outcome.reason).toBe('exited');
      expect(outcome.stdout.text.split('\n').filter((name) => name && name !== 'lo').length).toBeGreaterThan(0);
    });
  });
}
