// Measures the oci sandbox's per-run overhead: `npx node test/sandbox/measure-overhead.ts [rounds]`.
// Interleaves bare `runc run` of `true` (runc's `runc spec` config, made non-root and
// non-interactive, over the read-only busybox root) with OciSandbox.run of `true` (which also
// reports how long its own `runc run` took), and prints medians.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLimits } from '../../src/sandbox/limits.ts';
import { OciSandbox } from '../../src/sandbox/oci/oci-sandbox.ts';
import { busyboxRootfs } from '../support/busybox-rootfs.ts';

const rounds = Number(process.argv[2] ?? 30);
const rootfs = await busyboxRootfs();
const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-measure-'));
const bundle = join(stateDir, 'bundle');
mkdirSync(bundle);
const runcRoot = join(stateDir, 'bare-runc');

// `runc spec`, made non-interactive and non-root, over the image directly.
execFileSync('runc', ['spec', '--bundle', bundle]);
const bare = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
Object.assign(bare.process ?? {}, { terminal: false, args: ['/bin/true'], user: { uid: 1000, gid: 1000 } });
bare.root = { path: rootfs, readonly: true };
const bareConfig = JSON.stringify(bare);

const sandbox = new OciSandbox({ stateDir });
const spec = {
  image: { id: 'busybox', rootfs }, argv: ['/bin/true'], env: {}, cwd: '/', user: { uid: 1000, gid: 1000 },
  volumes: [{ target: '/shared', readOnly: false, owner: 'user' as const }], files: [], outputs: ['/shared/feedback.json'],
  outputFileCapBytes: 1 << 20, limits: resolveLimits(), network: false, keep: false,
};
await sandbox.run(spec); // warm-up: runtime trial, page cache

const times: Record<string, number[]> = { 'bare runc run': [], 'OciSandbox.run': [], 'of which runc run': [] };
for (let i = 0; i < rounds; i++) {
  writeFileSync(join(bundle, 'config.json'), bareConfig);
  let started = performance.now();
  const result = spawnSync('runc', ['--root', runcRoot, 'run', '--bundle', bundle, `measure-${i}`], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error('bare runc run failed');
  times['bare runc run']?.push(performance.now() - started);

  started = performance.now();
  const outcome = await sandbox.run(spec);
  times['OciSandbox.run']?.push(performance.now() - started);
  times['of which runc run']?.push(outcome.usage.wallMs);
}
rmSync(stateDir, { recursive: true, force: true });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
for (const [name, values] of Object.entries(times)) {
  console.log(`${name.padEnd(20)} median ${median(values).toFixed(1)} ms  min ${Math.min(...values).toFixed(1)} ms`);
}
console.log(`overhead over bare runc run: ${(median(times['OciSandbox.run'] ?? []) - median(times['bare runc run'] ?? [])).toFixed(1)} ms (medians)`);
