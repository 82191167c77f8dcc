/**
 * The Quick start demo: a whole course on a real gradebox server, driven by the real `gradebox`
 * command the way its people would use it. It builds the sample grader images offline (busybox
 * based, no registry needed), starts `gradebox serve` on a free port with an empty data folder,
 * and then: the administrator logs in, sets the course up from examples/demo-course.yaml and
 * issues tokens; the instructor uploads a Coursera-style and a Gradescope-style grader and
 * publishes them; the student submits two answers and waits for the grades; the instructor
 * reproduces one grading on this machine (`grade remote`). Then it sets browser passwords for the
 * instructor and the student and prints the web address with both sign-ins; with `--keep-running`
 * the server stays up until Ctrl-C so that the course can be explored in a browser. Everything
 * lives in a temporary folder (server data, GRADEBOX_HOME, XDG_CONFIG_HOME: your own credentials
 * are untouched) that is removed at the end. Exits 0 when every step worked, 1 when one failed
 * (130/143 when interrupted; with `--keep-running`, Ctrl-C after the steps is the normal end: 0).
 * Run through `npm run demo [-- --keep-running] [--port N]`, which sets the machine up (and builds dist/) first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect, parseArgs, styleText } from 'node:util';
import { buildTestImages } from './build-test-images.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const GRADEBOX = path.join(ROOT, 'bin/gradebox.js');
const COURSE_FILE = path.join(ROOT, 'examples/demo-course.yaml');
const SUBMISSIONS = path.join(ROOT, 'test/fixtures/submissions/sums');
const COURSE = 'demo';
const ASSIGNMENT = 'hw1';
/** No single command of the demo takes near this long; a stuck one is killed. */
const COMMAND_TIMEOUT_MS = 5 * 60_000;

class StepFailed extends Error {
  override name = 'StepFailed';
}

/** Who runs a command: the administrator (logged in with `gradebox login`), or someone with a token in the environment. */
interface Persona {
  name: string;
  /** GRADEBOX_SERVER and GRADEBOX_TOKEN for this person; none for the logged-in administrator. */
  env: Record<string, string>;
  /** How the shell line that switches to this person reads. */
  switchLine: string;
}

const USAGE = `usage: npm run demo [-- --keep-running] [--port N]

  --keep-running  after the steps, keep the server up (Ctrl-C stops it and removes its files),
                  to sign in with a browser at the address printed
  --port N        the server's port (default: a free one)
`;
let options: { keepRunning: boolean; port: number };
try {
  const { values } = parseArgs({ options: { 'keep-running': { type: 'boolean', default: false }, port: { type: 'string', default: '0' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port wants a number from 0 to 65535, not "${values.port}"`);
  options = { keepRunning: values['keep-running'], port };
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const started = Date.now();
const children = new Set<ChildProcess>();
let stopping: NodeJS.Signals | undefined;
/** True while the server runs on after the steps: Ctrl-C then is the way to end the demo. */
let keptRunning = false;
let endedByUser = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Once the steps are done and the server kept running, a signal is how the demo ends, not a failure.
    if (keptRunning) endedByUser = true;
    else stopping ??= signal;
    // Ctrl-C reaches the children through the terminal's process group; SIGTERM is passed on.
    if (signal === 'SIGTERM') for (const child of children) child.kill('SIGTERM');
  });
}

if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) {
  process.stderr.write('error: dist/ is not built: run `npm run demo` (or `npx tsc -p tsconfig.json` first)\n');
  process.exit(1);
}

process.stderr.write('Building the sample grader images (cached after the first run)…\n');
const images = await buildTestImages({ only: ['coursera-sh', 'gradescope-sh'] });

const work = await mkdtemp(path.join(tmpdir(), 'gradebox-demo-'));
const baseEnv: NodeJS.ProcessEnv = { ...process.env, GRADEBOX_HOME: path.join(work, 'home'), XDG_CONFIG_HOME: path.join(work, 'config') };
delete baseEnv.GRADEBOX_SERVER;
delete baseEnv.GRADEBOX_TOKEN;

const admin: Persona = { name: 'admin', env: {}, switchLine: 'unset GRADEBOX_SERVER GRADEBOX_TOKEN' };
let current: Persona = admin;
let server: { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } | undefined;
let failed: unknown;

try {
  section('Start a gradebox server on a free port, with an empty data folder');
  const data = path.join(work, 'server');
  command(`gradebox serve --data ${shortPath(data)} --port ${options.port} --json &`);
  server = startServer(data, options.port);
  const { url, adminToken } = await firstLine(server.child).then((line) => {
    process.stdout.write(`${line}\n`);
    return JSON.parse(line) as { url: string; adminToken: string };
  });
  note(`the first start created the user admin and printed a token with every scope (shown once): $ADMIN_TOKEN`);

  section('The administrator logs in with that token');
  await gradebox(['login', '--server', url, '--token', adminToken], { show: ['login', '--server', url, '--token', '$ADMIN_TOKEN'] });

  section('Set the course up from a course file: an instructor, a student, an assignment with two parts');
  await gradebox(['apply', COURSE_FILE]);

  section('Issue API tokens for the instructor (ada) and the student (alan); each is shown once');
  const adaToken = (await gradebox(['tokens', 'issue', 'ada', '--scopes', 'read,submit,author', '--name', 'demo'], { capture: 'ADA_TOKEN' })).stdout.trim();
  const alanToken = (await gradebox(['tokens', 'issue', 'alan', '--scopes', 'read,submit', '--name', 'demo'], { capture: 'ALAN_TOKEN' })).stdout.trim();
  const ada = persona('ada', url, adaToken, '$ADA_TOKEN');
  const alan = persona('alan', url, alanToken, '$ALAN_TOKEN');

  section('Ada, the instructor, uploads the sample graders as drafts: Coursera-style for part "sum", Gradescope-style for "tests"');
  await gradebox(['upload', imagePath('coursera-sh'), COURSE, ASSIGNMENT, 'sum'], { as: ada });
  await gradebox(['upload', imagePath('gradescope-sh'), COURSE, ASSIGNMENT, 'tests'], { as: ada });

  section('Ada publishes the assignment: its drafts now grade students');
  await gradebox(['publish', COURSE, ASSIGNMENT], { as: ada });

  section('Alan, a student, submits a correct answer and waits for the grades');
  await gradebox(['submit', COURSE, ASSIGNMENT, path.join(SUBMISSIONS, 'good'), '--wait'], { as: alan });

  section('Alan submits a half-right answer (students do not see the grader\'s hidden tests)');
  await gradebox(['submit', COURSE, ASSIGNMENT, path.join(SUBMISSIONS, 'partial'), '--wait'], { as: alan });
  const submissionId = await newestSubmission(url, alanToken);

  section('Ada reproduces the grading of that submission on this machine, with the same graders and limits');
  await gradebox(['grade', 'remote', submissionId], { as: ada });

  section('The administrator sets browser passwords for Ada and Alan (read from stdin when piped)');
  const passwords = { ada: demoPassword(), alan: demoPassword() };
  for (const [login, password] of Object.entries(passwords)) {
    await gradebox(['users', 'password', login], { input: `${password}\n`, showInput: `echo "$${login.toUpperCase()}_PASSWORD"` });
  }
  signIns(url, passwords);
  if (options.keepRunning && !stopping) {
    process.stdout.write(`\n${styleText('bold', 'The server keeps running: press Ctrl-C to stop it and remove its files.')}\n`);
    keptRunning = true;
    await server.exited;
    keptRunning = false;
  }
} catch (error) {
  failed = error;
} finally {
  if (server) {
    const running = server.child.exitCode === null && server.child.signalCode === null && !endedByUser;
    if (running) {
      section('Stop the server');
      command(`kill -TERM ${String(server.child.pid)}`);
    }
    const code = await stopServer(server.child, server.exited);
    if (code === 0) {
      if (running || endedByUser) process.stdout.write('the server stopped cleanly (exit 0)\n');
    } else {
      failed ??= new StepFailed(`the server exited with ${String(code)}`);
    }
    if (failed !== undefined && !stopping) {
      const log = server.stderr().trim();
      if (log) process.stderr.write(`\n${styleText('dim', `the server's log:\n${log}`, { stream: process.stderr })}\n`);
    }
  }
  await rm(work, { recursive: true, force: true }).catch((error: Error) => process.stderr.write(`warning: could not remove ${work}: ${error.message}\n`));
}

if (stopping) {
  process.stderr.write(`\ndemo interrupted (${stopping}); the server was stopped and its files removed\n`);
  process.exitCode = stopping === 'SIGINT' ? 130 : 143;
} else if (failed !== undefined) {
  const message = failed instanceof StepFailed ? failed.message : failed instanceof Error ? (failed.stack ?? failed.message) : inspect(failed);
  process.stderr.write(`\n${styleText('red', 'demo failed:', { stream: process.stderr })} ${message}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`
${styleText('bold', `Done in ${Math.round((Date.now() - started) / 1000)} s.`)} What next (README.md):
  • your own grader: gradebox grade local IMAGE SUBMISSION_DIR, gradebox inspect, gradebox sanity -f Dockerfile
  • your own server: gradebox serve (docs/service.md), a course file like examples/demo-course.yaml, gradebox apply
  • graders and students: gradebox upload, gradebox publish, gradebox users add, gradebox tokens issue
  • the HTTP API: docs/api.md; how graders are run and isolated: docs/grader-contract.md, docs/sandbox.md
`);
  process.exitCode = 0;
}

function persona(name: string, url: string, token: string, shownToken: string): Persona {
  return {
    name,
    env: { GRADEBOX_SERVER: url, GRADEBOX_TOKEN: token },
    switchLine: `export GRADEBOX_SERVER=${url} GRADEBOX_TOKEN=${shownToken}   # ${name}'s token, as in CI`,
  };
}

/**
 * Runs `gradebox args…` as `as` (default: the administrator), after printing the command, on this
 * terminal (its colours and progress lines as they would be); with `capture`, stdout is kept and
 * returned instead, as `NAME=$(gradebox …)` would. A non-zero exit is a StepFailed.
 */
async function gradebox(args: string[], options: { as?: Persona; show?: string[]; capture?: string; input?: string; showInput?: string } = {}): Promise<{ stdout: string }> {
  if (stopping) throw new StepFailed('interrupted');
  const who = options.as ?? admin;
  if (who !== current) {
    command(who.switchLine);
    current = who;
  }
  const shown = `gradebox ${(options.show ?? args).map(shortPath).join(' ')}`;
  const piped = options.showInput === undefined ? shown : `${options.showInput} | ${shown}`;
  command(options.capture ? `${options.capture}=$(${piped})` : piped);
  const child = spawn(process.execPath, [GRADEBOX, ...args], {
    cwd: ROOT, env: { ...baseEnv, ...who.env }, stdio: [options.input === undefined ? 'ignore' : 'pipe', options.capture ? 'pipe' : 'inherit', 'inherit'],
  });
  children.add(child);
  child.stdin?.end(options.input);
  const out: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  }).finally(() => {
    clearTimeout(timer);
    children.delete(child);
  });
  if (code !== 0) throw new StepFailed(`\`${shown}\` exited with ${String(code)}`);
  return { stdout: Buffer.concat(out).toString() };
}

/**
 * The id of the student's newest submission, which `submit` printed first on the terminal (the
 * student would copy it from there): read back through the API (docs/api.md), newest first.
 */
async function newestSubmission(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/api/courses/${COURSE}/assignments/${ASSIGNMENT}/submissions`, { headers: { authorization: `Bearer ${token}` } });
  const { submissions } = (await response.json()) as { submissions?: Array<{ id: string }> };
  const id = submissions?.[0]?.id;
  if (!response.ok || id === undefined) throw new StepFailed(`could not read back the submission's id (HTTP ${response.status})`);
  return id;
}

/** `gradebox serve` in the background; its stderr (the request log) is kept to show if something fails. */
function startServer(data: string, port: number): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [GRADEBOX, 'serve', '--data', data, '--port', String(port), '--json'], {
    cwd: ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-64 * 1024);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, exited, stderr: () => log };
}

/** The server's first stdout line: `{"url", "adminToken"}`. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new StepFailed('the server did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, end));
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new StepFailed(`\`gradebox serve\` exited with ${String(code)} before it was ready`));
    });
  });
}

async function stopServer(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh password for a demo user: 12 random lowercase letters and digits, easy to type. */
function demoPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Where to point a browser, and who to sign in as. */
function signIns(url: string, passwords: { ada: string; alan: string }): void {
  process.stdout.write(`
${styleText('bold', `Open ${url}/ in a browser`)} and sign in as
  the instructor:  login ada   password ${passwords.ada}
  the student:     login alan  password ${passwords.alan}
`);
  if (!options.keepRunning) note('the server stops at the end of the demo: run `npm run demo -- --keep-running` to keep it up');
}

function imagePath(name: string): string {
  const image = images[name];
  if (image === undefined) throw new StepFailed(`sample image ${name} was not built`);
  return image;
}

function section(title: string): void {
  process.stdout.write(`\n${styleText('bold', `▶ ${title}`)}\n`);
}

function command(line: string): void {
  process.stdout.write(`${styleText('dim', `$ ${line}`)}\n`);
}

function note(line: string): void {
  process.stdout.write(`${styleText('dim', `  ${line}`)}\n`);
}

function shortPath(arg: string): string {
  if (arg.startsWith(`${ROOT}/`)) return path.relative(ROOT, arg);
  const home = process.env.HOME;
  return home && arg.startsWith(`${home}/`) ? `~${arg.slice(home.length)}` : arg;
}
