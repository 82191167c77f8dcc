/**
 * Runs the real `gradebox` command (bin/gradebox.js over the compiled dist/) as a child process,
 * for end-to-end tests of the CLI: exit code, stdout and stderr exactly as a user would get them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect } from 'vitest';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const GRADEBOX_BIN = join(REPO_ROOT, 'bin', 'gradebox.js');

export interface CliResult {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface CliOptions {
  /** The whole environment of the child (not merged with the test's own). */
  env: NodeJS.ProcessEnv;
  /** Kill the child with SIGKILL and fail after this long; default 60 s. */
  timeoutMs?: number;
  /** Make the child lead its own process group, so a test can signal the group like a terminal's Ctrl-C. */
  detached?: boolean;
  /** Program and arguments to run instead of `node bin/gradebox.js` (the gradebox args are appended). */
  command?: string[];
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the child exited and its output is complete. */
  done: Promise<CliResult>;
}

/**
 * The test's environment, minus anything that would change the CLI's output (colour forcing,
 * npm's package variables), plus `overrides`; a value of undefined removes the variable.
 */
export function cliEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(FORCE_COLOR|NO_COLOR|CLICOLOR|CLICOLOR_FORCE|NODE_DISABLE_COLORS|npm_.*)$/.test(key)) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts `gradebox args…` and collects its output. */
export function startCli(args: readonly string[], options: CliOptions): RunningCli {
  const [file, ...prefix] = options.command ?? [process.execPath, GRADEBOX_BIN];
  if (file === undefined) throw new Error('empty command');
  const started = performance.now();
  const child = spawn(file, [...prefix, ...args], {
    cwd: REPO_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gradebox ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr so far:\n${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started,
      });
    });
  });
  return { child, done };
}

/** Runs `gradebox args…` to completion. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Throws unless dist/ was built from the current src/ (every src file has a newer compiled twin):
 * the CLI runs from dist/, and testing a stale build passes or fails for the wrong reasons.
 */
export function assertBuildIsFresh(): void {
  const src = join(REPO_ROOT, 'src');
  const stale: string[] = [];
  for (const file of sourceFiles(src)) {
    const compiled = join(REPO_ROOT, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
    const built = statSync(compiled, { throwIfNoEntry: false });
    if (built === undefined || built.mtimeMs < statSync(file).mtimeMs) stale.push(relative(REPO_ROOT, file));
  }
  if (stale.length > 0) {
    throw new Error(`dist/ is older than ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ` and ${stale.length - 5} more` : ''}: ` +
      'build first with `npx tsc -p tsconfig.json`');
  }
}

/**
 * Modules of dist/ as loaded (`cli/main.js`, …), with each file of a bundle (`bundle/main.js`, see
 * scripts/bundle-cli.ts) replaced by the modules it holds: all of them count as loaded.
 */
export function bundledModules(loaded: readonly string[], dist = join(REPO_ROOT, 'dist')): string[] {
  let chunks: Record<string, string[]> | undefined;
  return loaded.flatMap((path) => {
    if (!path.startsWith('bundle/')) return [path];
    chunks ??= JSON.parse(readFileSync(join(dist, 'bundle', 'modules.json'), 'utf8')) as Record<string, string[]>;
    const modules = chunks[path.slice('bundle/'.length)];
    if (modules === undefined) throw new Error(`${path} is not in dist/bundle/modules.json`);
    return modules;
  });
}

/** The JSON a successful `--json` run printed; fails the test with the stderr otherwise. */
export function jsonOutput<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}
