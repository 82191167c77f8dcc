/**
 * Per-grading cost of gradebox's sandbox against baselines, run side by side on one machine:
 *
 *   bare exec        the trivial grader run directly on the host (no isolation): the floor
 *   bare unshare     the same in fresh pid/mount/net/ipc/uts namespaces with `unshare`, chrooted
 *   runc run         the OCI runtime alone on a prepared bundle (what gradebox builds on)
 *   gradebox API     grade() through the library: scratch, overlay, runtime, limits, result parsing,
 *                    once per OCI runtime that works here (crun when the host allows it, runc)
 *   gradebox CLI     `gradebox grade local` as a process (adds Node start-up and image lookup)
 *   docker run --rm  the same image through the Docker daemon
 *
 * Overhead = median − bare exec median. The target (issue 2): gradebox API overhead ≤ 1/10 of
 * docker run's. Usage: node bench/grade-local.bench.ts [--runs N]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildTestImages } from '../scripts/build-test-images.ts';
import { grade } from '../src/grader/grade.ts';
import { ImageStore } from '../src/image/image-store.ts';
import { OciSandbox } from '../src/sandbox/oci/oci-sandbox.ts';
import { fmt, median, percentile, timeRuns } from './stats.ts';
import { dockerLoad } from './docker-load.ts';
import { prepareRuncBundle } from './runc-bundle.ts';
import { removeLiveStateDir } from '../src/sandbox/oci/live-dir.ts';

const run = promisify(execFile);
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const WARMUP = 3;
const ROOT = resolve(import.meta.dirname, '..');

const images = await buildTestImages();
const tar = images['echo-busybox'];
if (!tar) throw new Error('echo-busybox test image missing');
const work = await mkdtemp(join(tmpdir(), 'gradebox-bench-'));
const submission = join(work, 'submission');
await run('mkdir', ['-p', submission]);
await writeFile(join(submission, 'answer.txt'), '42\n');

const store = new ImageStore(join(work, 'home', 'images'));
const image = await store.import(tar);
const rootfs = await store.rootfs(image);
const sandboxes = (['crun', 'runc'] as const).map((runtime) => ({
  runtime,
  sandbox: new OciSandbox({ stateDir: join(work, 'home', `sandbox-${runtime}`), runtime }),
}));
const grader = [...image.config.entrypoint, ...image.config.cmd];
const env = { ...process.env, GRADEBOX_HOME: join(work, 'home') };

const results: [string, number[]][] = [];
const measure = async (name: string, fn: () => Promise<void>): Promise<void> => {
  process.stderr.write(`${name}…\n`);
  results.push([name, await timeRuns(RUNS, WARMUP, fn)]);
};

await measure('bare exec', async () => {
  await run(join(rootfs, 'bin/busybox'), ['sh', join(rootfs, grader[0] ?? '')], { cwd: submission });
});
await measure('bare unshare', async () => {
  await run('unshare', ['--fork', '--pid', '--mount', '--net', '--ipc', '--uts', '--mount-proc', 'chroot', rootfs, ...grader]);
});
const bundle = await prepareRuncBundle(join(work, 'runc'), rootfs, grader);
let n = 0;
await measure('runc run', async () => {
  await run('runc', ['--root', join(work, 'runc-state'), 'run', '--bundle', bundle, `bench-${process.pid}-${n++}`]);
});
for (const { runtime, sandbox } of sandboxes) {
  const once = async (): Promise<void> => {
    const result = await grade({ image, rootfs, submissionDir: submission, limits: { timeoutSeconds: 60 } }, { sandbox });
    if (result.status !== 'graded') throw new Error(`grading failed: ${result.status} ${result.errors.join('; ')}`);
  };
  const usable = await once().then(() => true, (error: unknown) => {
    process.stderr.write(`gradebox API (${runtime}): skipped, ${(error as Error).message}\n`);
    return false;
  });
  if (usable) await measure(`gradebox API ${runtime}`, once);
}
await measure('gradebox CLI', async () => {
  await run(process.execPath, [join(ROOT, 'bin/gradebox.js'), 'grade', 'local', tar, submission, '--json'], { env });
  // (the CLI adds Node start-up, module loading and the image store's unchanged-tarball check)
});
const dockerImage = await dockerLoad(tar);
if (dockerImage) {
  await measure('docker run --rm', async () => {
    await run('docker', ['run', '--rm', '--network=none', '-v', `${submission}:/shared/submission:ro`, dockerImage]);
  });
} else {
  process.stderr.write('docker run --rm: skipped, no Docker daemon (run scripts/start-dockerd.sh as root)\n');
}

const floor = median(results[0]?.[1] ?? []);
const docker = results.find(([name]) => name === 'docker run --rm');
const dockerOverhead = docker ? median(docker[1]) - floor : NaN;
console.log(`\n${RUNS} runs each (after ${WARMUP} warm-up runs), trivial Coursera grader, times in ms`);
console.log(`${'method'.padEnd(20)}${'median'.padStart(8)}${'p90'.padStart(8)}${'overhead'.padStart(10)}  vs docker overhead`);
for (const [name, samples] of results) {
  const overhead = median(samples) - floor;
  const ratio = Number.isNaN(dockerOverhead) ? '' : (overhead / dockerOverhead).toFixed(3);
  console.log(`${name.padEnd(20)}${fmt(median(samples))}${fmt(percentile(samples, 90))}${fmt(overhead).padStart(10)}  ${ratio}`);
}
await rm(work, { recursive: true, force: true });
for (const runtime of ['runc', 'crun']) await removeLiveStateDir(join(work, 'home', `sandbox-${runtime}`));
