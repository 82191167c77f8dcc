// Measures the docker sandbox's cost per run: `npx node test/sandbox/measure-docker-overhead.ts [rounds]`.
// Interleaves `docker run --rm` of `true` (the CLI, no limits, no volumes) with DockerSandbox.run
// of `true` as a grading runs it (a /shared volume, an output read back, so a keeper container and
// two tmpfs volumes), and without volumes or writable spots (no keeper), and prints medians.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import { busyboxImage, testDocker } from '../support/docker-test.ts';
import { makeSpec } from './cases/context.ts';

const rounds = Number(process.argv[2] ?? 20);
const daemon = await testDocker();
if ('reason' in daemon) throw new Error(daemon.reason);
const image = await busyboxImage(daemon.docker);
const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-measure-docker-'));
const sandbox = new DockerSandbox({ stateDir, docker: daemon.docker });
const grading = makeSpec(image, { argv: ['/bin/true'], outputs: ['/shared/feedback.json'], limits: { timeoutSeconds: 60 } });
// uid 1234 owns nothing in the image, so it has no writable spots; with no volumes, no keeper either.
const bare = makeSpec(image, { argv: ['/bin/true'], volumes: [], user: { uid: 1234, gid: 1234 }, limits: { timeoutSeconds: 60 } });
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

try {
  await sandbox.run(grading); // warm-up: dockerode loaded, daemon facts, spots cached
  const times: Record<string, number[]> = { 'docker run --rm (CLI)': [], 'DockerSandbox.run, grading spec': [], 'DockerSandbox.run, no keeper': [] };
  for (let i = 0; i < rounds; i++) {
    let started = performance.now();
    const cli = spawnSync('docker', ['run', '--rm', '--network', 'none', '--user', '1000:1000', image.id, '/bin/true'], { stdio: 'ignore' });
    if (cli.status !== 0) throw new Error('docker run failed');
    times['docker run --rm (CLI)']?.push(performance.now() - started);
    started = performance.now();
    await sandbox.run(grading);
    times['DockerSandbox.run, grading spec']?.push(performance.now() - started);
    started = performance.now();
    await sandbox.run(bare);
    times['DockerSandbox.run, no keeper']?.push(performance.now() - started);
  }
  console.log(`docker ${daemon.version}, ${rounds} rounds`);
  for (const [label, values] of Object.entries(times)) {
    console.log(`  ${label.padEnd(34)} median ${median(values).toFixed(0)} ms  min ${Math.min(...values).toFixed(0)} ms`);
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
