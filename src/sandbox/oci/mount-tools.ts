import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { which } from './which.ts';

/**
 * Runs mount(8) and umount(8) for scratch areas through one long-lived shell per process, instead
 * of spawning each: Node's spawn costs ~2 ms here (it forks an ~80 MB process), a shell's fork
 * ~0.2 ms, and a run has up to three of these on its critical path (mount the scratch tmpfs, the
 * overlay, unmount both). The shell is busybox's when installed, whose mount applets also skip
 * the exec (util-linux's mount takes ~1.7 ms to load libmount, libblkid and libselinux), else
 * /bin/sh with util-linux. It takes one command per line on stdin and answers with the command's
 * output and a marker line with its exit status; commands run one at a time. The shell exits at
 * the supervisor's exit (end of stdin) and is restarted if it dies or a command hangs.
 */

export interface ToolResult {
  code: number | null;
  /** The command's stdout and stderr. */
  output: string;
}

type Shell = ChildProcessByStdio<Writable, Readable, null>;

const TIMEOUT_MS = 30_000;
const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

let shell: Shell | undefined;
let queue: Promise<unknown> = Promise.resolve();

function start(): Shell {
  // busybox's shell prefers its own mount and umount applets (Debian's is built so), no exec needed.
  const busybox = which('busybox');
  const child = spawn(busybox ?? '/bin/sh', busybox === undefined ? [] : ['sh'], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.once('exit', () => {
    if (shell === child) shell = undefined;
  });
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  idle(child, true);
  return child;
}

/** An idle shell must not keep the supervisor's event loop alive. */
function idle(child: Shell, yes: boolean): void {
  for (const handle of [child, child.stdout, child.stdin] as { ref(): void; unref(): void }[]) {
    if (yes) handle.unref();
    else handle.ref();
  }
}

function runInShell(args: readonly string[]): Promise<ToolResult> {
  if (args.some((arg) => arg.includes('\n') || arg.includes('\0'))) throw new RangeError('mount arguments cannot hold newlines');
  const child = (shell ??= start());
  const marker = `gradebox-${randomBytes(8).toString('hex')}`;
  return new Promise<ToolResult>((resolve) => {
    let output = '';
    const finish = (result: ToolResult): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      idle(child, true);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = new RegExp(`\n${marker}:(\\d+)\n$`).exec(output);
      if (match) finish({ code: Number(match[1]), output: output.slice(0, match.index) });
    };
    const onExit = (): void => finish({ code: null, output: `${output}\n(the mount helper shell exited)` });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ code: null, output: `${output}\n(timed out after ${TIMEOUT_MS} ms)` });
    }, TIMEOUT_MS);
    idle(child, false);
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.stdin.write(`${args.map(quote).join(' ')} </dev/null 2>&1; s=$?; echo; echo ${marker}:$s\n`);
  });
}

/** Runs the helpers one after another (one shell, one stdout). */
function serialized(args: readonly string[]): Promise<ToolResult> {
  const result = queue.then(() => runInShell(args));
  queue = result.catch(() => undefined);
  return result;
}

/** `mount -n <args>`; resolves with a non-zero code rather than throwing when the mount fails. */
export function mount(args: readonly string[]): Promise<ToolResult> {
  return serialized(['mount', '-n', ...args]);
}

/** `umount -n <args>`; resolves with a non-zero code rather than throwing when it fails. */
export function umount(args: readonly string[]): Promise<ToolResult> {
  return serialized(['umount', '-n', ...args]);
}
