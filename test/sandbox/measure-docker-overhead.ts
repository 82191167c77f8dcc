// Measures the docker sandbox's cost per run: `npx node test/sandbox/measure-docker-overhead.ts [rounds]`.
// Interleaves `docker run --rm` of `true` (the CLI, no limits, no volumes) with DockerSandbox.run
// of `true` as gradings run it: a Coursera-shaped one (uid 1000, a /shared volume, an output read
// back), a Gradescope-shaped one (root, /autograder/results and a placed file, so root's places
// are copied too), and one without volumes; prints medians. A variant the sandbox refuses is
// reported as such (older versions refused root).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.ts';
import type { RunSpec } from '../../src/sandbox/sandbox.ts';
import { busyboxImage, testDocker } from '../support/docker-test.ts';
import { makeSpec } from './cases/context.ts';

const rounds = Number(process.argv[2] ?? 20);
const daemon = await testDocker();
if ('reason' in daemon) throw new Error(daemon.reason);
const image = await busyboxImage(daemon.docker);
const stateDir = mkdtempSync(join(tmpdir(), 'gradebox-measure-docker-'));
const sandbox = new DockerSandbox({ stateDir, docker: daemon.docker });
const limits = { timeoutSeconds: 60 };
const variants: Record<string, RunSpec> = {
  'coursera-shaped (uid 1000, /shared)': makeSpec(image, { argv: ['/bin/true'], outputs: ['/shared/feedback.json'], limits }),
  'gradescope-shaped (root, /autograder)': makeSpec(image, {
    argv: ['/bin/true'], user: { uid: 0, gid: 0 }, cwd: '/autograder',
    volumes: [{ target: '/autograder/submission', readOnly: false, owner: 'user' }, { target: '/autograder/results', readOnly: false, owner: 'user' }],
    files: [{ target: '/autograder/submission_metadata.json', content: '{}' }], outputs: ['/autograder/results/results.json'], limits,
  }),
  // uid 1234 owns nothing in the image, so it has no writable spots.
  'no volumes (uid 1234)': makeSpec(image, { argv: ['/bin/true'], volumes: [], user: { uid: 1234, gid: 1234 }, limits }),
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

try {
  const refused = new Map<string, string>();
  // Warm-up: dockerode loaded, daemon facts, spots cached.
  for (const [label, spec] of Object.entries(variants)) await sandbox.run(spec).catch((error: unknown) => refused.set(label, (error as Error).message));
  const cli = 'docker run --rm (CLI)';
  const times: Record<string, number[]> = { [cli]: [], ...Object.fromEntries(Object.keys(variants).map((label) => [label, []])) };
  for (let i = 0; i < rounds; i++) {
    let started = performance.now();
    const run = spawnSync('docker', ['run', '--rm', '--network', 'none', '--user', '1000:1000', image.id, '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (run.status !== 0) throw new Error(`docker run failed: ${run.stderr.toString().trim()}`);
    times[cli]?.push(performance.now() - started);
    for (const [label, spec] of Object.entries(variants)) {
      if (refused.has(label)) continue;
      started = performance.now();
      await sandbox.run(spec);
      times[label]?.push(performance.now() - started);
    }
  }
  console.log(`docker ${daemon.version}, ${rounds} rounds`);
  for (const [label, values] of Object.entries(times)) {
    const problem = refused.get(label);
    console.log(`  ${label.padEnd(40)} ${problem !== undefined ? `refused: ${problem}` : `median ${median(values).toFixed(0)} ms  min ${Math.min(...values).toFixed(0)} ms`}`);
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
