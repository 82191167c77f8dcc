// Measures the oci sandbox's per-run overhead: `npx node test/sandbox/measure-overhead.ts [rounds]`.
// For each OCI runtime that works here, interleaves a bare `<runtime> run` of `true` (runc's
// `runc spec` config, made non-root and non-interactive, over the read-only busybox root: no
// seccomp, no overlay, no limits) with OciSandbox.run of `true` (which also reports how long its
// own `<runtime> run` took), and prints medians.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import type { RuntimeName } from '../../src/sandbox/oci/runtime.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';
import { removeLiveStateDir } from '../../src/sandbox/oci/live-dir.ts';

const rounds = Number(process.argv[2] ?? 30);
const rootfs = await busyboxRootfs();
const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-measure-'));
const bundle = join(stateDir, 'bundle');
mkdirSync(bundle);

// `runc spec`, made non-interactive and non-root, over the image directly.
execFileSync('runc', ['spec', '--bundle', bundle]);
const bare = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
Object.assign(bare.process ?? {}, { terminal: false, args: ['/bin/true'], user: { uid: 1000, gid: 1000 } });
bare.root = { path: rootfs, readonly: true };
writeFileSync(join(bundle, 'config.json'), JSON.stringify(bare));

const spec = {
  image: { id: 'busybox', rootfs }, argv: ['/bin/true'], env: {}, cwd: '/', user: { uid: 1000, gid: 1000 },
  volumes: [{ target: '/shared', readOnly: false, owner: 'user' as const }], files: [], outputs: ['/shared/feedback.json'],
  outputFileCapBytes: 1 << 20, limits: resolveLimits(), network: false, keep: false,
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

try {
  for (const name of ['runc', 'crun'] as RuntimeName[]) {
    const sandbox = new OciSandbox({ stateDir: join(stateDir, name), runtime: name });
    const runtime = await sandbox.runtime().catch((error: unknown) => (error as Error).message);
    if (typeof runtime === 'string') {
      console.log(`${name}: not usable here (${runtime})`);
      continue;
    }
    await sandbox.run(spec); // warm-up: page cache, compiled seccomp program
    const times: Record<string, number[]> = { [`bare ${name} run`]: [], 'OciSandbox.run': [], [`of which ${name} run`]: [] };
    for (let i = 0; i < rounds; i++) {
      let started = performance.now();
      const result = spawnSync(runtime.path, ['--root', join(stateDir, `bare-${name}`), 'run', '--bundle', bundle, `measure-${i}`], { stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`bare ${name} run failed`);
      times[`bare ${name} run`]?.push(performance.now() - started);

      started = performance.now();
      const outcome = await sandbox.run(spec);
      times['OciSandbox.run']?.push(performance.now() - started);
      times[`of which ${name} run`]?.push(outcome.usage.wallMs);
    }
    const { path: _, ...how } = runtime;
    console.log(`${name} (${JSON.stringify(how)})`);
    for (const [label, values] of Object.entries(times)) {
      console.log(`  ${label.padEnd(20)} median ${median(values).toFixed(1)} ms  min ${Math.min(...values).toFixed(1)} ms`);
    }
    const overhead = median(times['OciSandbox.run'] ?? []) - median(times[`of which ${name} run`] ?? []);
    console.log(`  supervisor's own work (OciSandbox.run minus its ${name} run): ${overhead.toFixed(1)} ms (medians)`);
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
  for (const name of ['runc', 'crun']) await removeLiveStateDir(join(stateDir, name));
}
