/**
 * What the `gradebox` command costs as a whole process, side by side with its baselines on one
 * machine, in one run:
 *
 *   node -e 0              the pinned Node starting and exiting: the floor of any `gradebox …`
 *   gradebox --help        start-up, the command index and commander, no command module loaded
 *   gradebox --version     the same, printing the version
 *   gradebox grade local   a trivial Coursera grader (echo-busybox) on a one-file submission, the
 *                          image already in the store: module loading, the store's unchanged-tarball
 *                          check, a real sandbox run (crun or runc), the result
 *   docker run --rm        the same image through the Docker daemon (loaded with docker load first)
 *   re-exec (node 20)      `gradebox --version` under the system's older Node, which runs the
 *                          launcher again on the pinned Node (only when such a Node is installed)
 *
 * With `--compare DIR` (another built checkout, e.g. `git worktree add /tmp/before main`), its
 * `--help` and `grade local` run too, in the same rounds: a before/after in one run.
 *
 * Methods take turns run by run (round robin), so a machine that slows down slows all of them.
 * Targets (issue 10): `--help` within 50 ms of `node -e 0`; `grade local` at least 2.5× faster
 * than `docker run --rm`. The CLI runs with Node's compile cache (in this run's own folder, filled
 * by the warm-up runs), as every `gradebox` does.
 *
 * Usage (as root, after npm ci, or npm run build: tsc and the bundle): node bench/cli-startup.bench.ts [--runs N] [--compare DIR]
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildTestImages } from '../scripts/build-test-images.ts';
import { removeLiveStateDir } from '../src/sandbox/oci/live-dir.ts';
import { sandboxStateDir } from '../src/toolkit/gradebox-home.ts';
import { dockerLoad } from './docker-load.ts';
import { describeSpeed, machineSpeed } from './machine-speed.ts';
import { fmt, median, percentile } from './stats.ts';

const run = promisify(execFile);
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const compareArg = process.argv.indexOf('--compare');
const COMPARE = compareArg > 0 ? resolve(process.argv[compareArg + 1] ?? '') : undefined;
const WARMUP = 3;
const ROOT = resolve(import.meta.dirname, '..');
const GRADEBOX = join(ROOT, 'bin', 'gradebox.js');
const SYSTEM_NODE = '/usr/bin/node';

if (Number(process.versions.node.split('.')[0]) < 24) throw new Error('run the benchmark with the pinned Node 24 (npx node bench/cli-startup.bench.ts)');
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');
/** Which CLI a checkout's launcher runs: its bundle (dist/bundle/, scripts/bundle-cli.ts) unless that is missing or older than dist/. */
const runsWhat = (checkout: string): string => {
  const bundle = statSync(join(checkout, 'dist', 'bundle', 'main.js'), { throwIfNoEntry: false });
  if (bundle === undefined) return 'unbundled (no dist/bundle/)';
  return bundle.mtimeMs >= statSync(join(checkout, 'dist', 'cli', 'main.js')).mtimeMs ? 'bundled' : 'unbundled (its bundle is older than dist/: npm run build)';
};

const images = await buildTestImages();
const tar = images['echo-busybox'];
if (!tar) throw new Error('echo-busybox test image missing');
const work = await mkdtemp(join(tmpdir(), 'gradebox-cli-bench-'));
const submission = join(work, 'submission');
await mkdir(submission);
await writeFile(join(submission, 'answer.txt'), '42\n');
// The launcher keeps its compile cache under XDG_CACHE_HOME: this run's own, filled by the warm-up.
// NODE_COMPILE_CACHE is dropped: Node would then cache for every process, `node -e 0` and a
// compared checkout's launcher included, which would not be what users get.
const { NODE_COMPILE_CACHE: _ignored, ...inherited } = process.env;
const env = { ...inherited, GRADEBOX_HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache'), NO_COLOR: '1' };
// A compared build gets a home and caches of its own: its cache formats may differ, and two
// builds sharing one runtime verdict or import index would each invalidate the other's.
const comparedEnv = { ...env, GRADEBOX_HOME: join(work, 'compared-home'), XDG_CACHE_HOME: join(work, 'compared-cache') };

interface Method {
  name: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}
const methods: Method[] = [
  { name: 'node -e 0', file: process.execPath, args: ['-e', '0'] },
  { name: 'gradebox --help', file: process.execPath, args: [GRADEBOX, '--help'] },
  { name: 'gradebox --version', file: process.execPath, args: [GRADEBOX, '--version'] },
  { name: 'gradebox grade local', file: process.execPath, args: [GRADEBOX, 'grade', 'local', tar, submission, '--json'] },
];
if (COMPARE !== undefined) {
  const other = join(COMPARE, 'bin', 'gradebox.js');
  if (!existsSync(join(COMPARE, 'dist', 'cli', 'main.js'))) throw new Error(`--compare ${COMPARE}: no built checkout there (bin/gradebox.js and dist/)`);
  methods.push(
    { name: 'compared --help', file: process.execPath, args: [other, '--help'], env: comparedEnv },
    { name: 'compared grade local', file: process.execPath, args: [other, 'grade', 'local', tar, submission, '--json'], env: comparedEnv },
  );
}
const dockerImage = await dockerLoad(tar);
if (dockerImage === undefined) process.stderr.write('docker run --rm: skipped, no Docker daemon (run scripts/start-dockerd.sh as root)\n');
else methods.push({ name: 'docker run --rm', file: 'docker', args: ['run', '--rm', '--network=none', '-v', `${submission}:/shared/submission:ro`, dockerImage] });
const systemMajor = existsSync(SYSTEM_NODE) ? Number(execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) : NaN;
if (systemMajor < 24) methods.push({ name: `re-exec (node ${systemMajor})`, file: SYSTEM_NODE, args: [GRADEBOX, '--version'] });

// GNU time, when installed, also reports each process's CPU time (user + system, its children
// included): less sensitive than wall time to other work on the machine. Docker's is the client's only.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
interface Sample {
  wallMs: number;
  cpuMs: number;
}
const once = async (method: Method): Promise<Sample> => {
  const start = performance.now();
  const timed = TIME === undefined ? [method.file, ...method.args] : [TIME, '-f', 'cpu %U %S', method.file, ...method.args];
  const { stderr } = await run(timed[0] ?? '', timed.slice(1), { env: method.env ?? env, maxBuffer: 16 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  const cpu = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr);
  return { wallMs, cpuMs: cpu === null ? NaN : (Number(cpu[1]) + Number(cpu[2])) * 1000 };
};

// The first grading imports and unpacks the image; the warm-up runs also fill the compile cache.
const gradeLocal = methods.find((m) => m.name === 'gradebox grade local');
if (gradeLocal !== undefined) {
  const { stdout } = await run(gradeLocal.file, gradeLocal.args, { env });
  const status = (JSON.parse(stdout) as { status: string }).status;
  if (status !== 'graded') throw new Error(`the grading did not work here: ${status}`);
}
const before = describeSpeed(machineSpeed());
for (let i = 0; i < WARMUP; i++) for (const method of methods) await once(method);
const samples = new Map<string, Sample[]>(methods.map((m) => [m.name, []]));
for (let i = 0; i < RUNS; i++) {
  process.stderr.write(`\rround ${i + 1}/${RUNS}`);
  for (const method of methods) samples.get(method.name)?.push(await once(method));
}
process.stderr.write('\n');
const after = describeSpeed(machineSpeed());

const wall = (name: string): number[] => (samples.get(name) ?? []).map((x) => x.wallMs);
const cpu = (name: string): number[] => (samples.get(name) ?? []).map((x) => x.cpuMs);
const floor = median(wall('node -e 0'));
const cpuFloor = median(cpu('node -e 0'));
console.log(`\n${RUNS} rounds (after ${WARMUP} warm-up rounds), methods taking turns; times of the whole process in ms`);
// GNU time counts CPU in 10 ms steps: the mean over the rounds separates what the median cannot.
console.log(`${'method'.padEnd(24)}${'wall med'.padStart(9)}${'p90'.padStart(8)}${'− node'.padStart(9)}${'cpu med'.padStart(9)}${'− node'.padStart(9)}${'cpu mean'.padStart(9)}`);
for (const method of methods) {
  const w = wall(method.name);
  const c = cpu(method.name);
  console.log(`${method.name.padEnd(24)}${fmt(median(w)).padStart(9)}${fmt(percentile(w, 90))}${fmt(median(w) - floor).padStart(9)}${fmt(median(c)).padStart(9)}${fmt(median(c) - cpuFloor).padStart(9)}${fmt(c.reduce((sum, x) => sum + x, 0) / c.length).padStart(9)}`);
}
console.log(`\n--help: ${(median(wall('gradebox --help')) - floor).toFixed(1)} ms over node -e 0 (target ≤ 50)`);
if (dockerImage !== undefined) {
  console.log(`grade local: ${(median(wall('docker run --rm')) / median(wall('gradebox grade local'))).toFixed(2)}× faster than docker run --rm (target ≥ 2.5)`);
  if (COMPARE !== undefined) console.log(`compared grade local: ${(median(wall('docker run --rm')) / median(wall('compared grade local'))).toFixed(2)}× faster than docker run --rm`);
}
console.log(`this CLI: ${runsWhat(ROOT)}${COMPARE === undefined ? '' : `; compared: ${runsWhat(COMPARE)}`}`);
console.log(`${before}\n${after}`);
await rm(work, { recursive: true, force: true });
await removeLiveStateDir(sandboxStateDir(env.GRADEBOX_HOME));
await removeLiveStateDir(sandboxStateDir(comparedEnv.GRADEBOX_HOME));
