/**
 * The Quick start demo: builds the sample grader images offline (busybox-based, no registry
 * needed) and grades sample submissions with the real `gradebox grade local` command, the way an
 * author would. Run through `npm run demo`, which sets the machine up first.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { styleText } from 'node:util';
import { buildTestImages } from './build-test-images.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SUBMISSIONS = path.join(ROOT, 'test/fixtures/submissions/sums');

process.stderr.write('Building the sample grader images (cached after the first run)…\n');
const images = await buildTestImages({ only: ['coursera-sh', 'gradescope-sh'] });

const runs: { title: string; image: string; submission: string }[] = [
  { title: 'A Coursera-style grader on a correct submission', image: 'coursera-sh', submission: 'good' },
  { title: 'The same grader on a half-right submission', image: 'coursera-sh', submission: 'partial' },
  { title: 'A Gradescope-style grader (run_autograder, results.json) on the half-right submission', image: 'gradescope-sh', submission: 'partial' },
];

let failed = false;
for (const run of runs) {
  const image = images[run.image];
  if (!image) throw new Error(`sample image ${run.image} was not built`);
  const args = ['grade', 'local', image, path.join(SUBMISSIONS, run.submission)];
  process.stdout.write(`\n${styleText('bold', `▶ ${run.title}`)}\n${styleText('dim', `$ gradebox ${args.map(shortPath).join(' ')}`)}\n\n`);
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/gradebox.js'), ...args], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.stdout.write(`\nTry it on your own grader: gradebox grade local IMAGE SUBMISSION_DIR (see README.md).\n`);
process.exitCode = failed ? 1 : 0;

function shortPath(arg: string): string {
  return arg.startsWith(ROOT) ? path.relative(ROOT, arg) : arg.replace(process.env.HOME ?? '~', '~');
}
