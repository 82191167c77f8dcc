import { randomBytes } from 'node:crypto';
import { fitsOneLine, refHelperShell, shellQuote, spawnHelperShell, type HelperShell } from './helper-shell.ts';

/**
 * Runs mount(8) and umount(8) for scratch areas through one long-lived helper shell per process
 * (see helper-shell.ts), instead of spawning each: Node's spawn forks the whole supervisor (~2 ms
 * from a fresh Node, ~20 ms with a server's few hundred MB resident, blocking its event loop), a
 * shell's fork ~0.2 ms, and a run has up to three of these on its critical path (mount the
 * scratch tmpfs, the overlay, unmount both). busybox's mount applets also skip the exec
 * (util-linux's mount takes ~1.7 ms to load libmount, libblkid and libselinux); without busybox,
 * /bin/sh runs util-linux's. The shell takes one command per line on stdin and answers with the
 * command's output and a marker line with its exit status; commands run one at a time. It exits
 * at the supervisor's exit (end of stdin) and is restarted if it dies or a command hangs. The OCI
 * runtime itself is started the same way, by another shell (runtime-launcher.ts).
 */

export interface ToolResult {
  code: number | null;
  /** The command's stdout and stderr. */
  output: string;
}

const TIMEOUT_MS = 30_000;

let shell: HelperShell | undefined;
let queue: Promise<unknown> = Promise.resolve();

function start(): HelperShell | undefined {
  const child = spawnHelperShell();
  child?.once('exit', () => {
    if (shell === child) shell = undefined;
  });
  // An idle shell must not keep the supervisor's event loop alive.
  if (child !== undefined) refHelperShell(child, false);
  return child;
}

function runInShell(args: readonly string[], cwd: string): Promise<ToolResult> {
  if (!args.every(fitsOneLine) || !fitsOneLine(cwd)) throw new RangeError('mount arguments cannot hold newlines');
  const child = (shell ??= start());
  if (child === undefined) return Promise.resolve({ code: null, output: 'cannot start a shell for mount(8)' });
  const marker = `gradebox-${randomBytes(8).toString('hex')}`;
  return new Promise<ToolResult>((resolve) => {
    let output = '';
    const finish = (result: ToolResult): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      refHelperShell(child, false);
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
    refHelperShell(child, true);
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    // The shell goes back to `/` after each command, so a folder it was in can always be unmounted.
    child.stdin.write(`cd -- ${shellQuote(cwd)} && ${args.map(shellQuote).join(' ')} </dev/null 2>&1; s=$?; cd /; echo; echo ${marker}:$s\n`);
  });
}

/** Runs the helpers one after another (one shell, one stdout). */
function serialized(args: readonly string[], cwd = '/'): Promise<ToolResult> {
  const result = queue.then(() => runInShell(args, cwd));
  queue = result.catch(() => undefined);
  return result;
}

/**
 * `mount -n <args>`, in folder `cwd` (default `/`) so that relative paths in the options resolve
 * there; resolves with a non-zero code rather than throwing when the mount fails.
 */
export function mount(args: readonly string[], options: { cwd?: string } = {}): Promise<ToolResult> {
  return serialized(['mount', '-n', ...args], options.cwd);
}

/** `umount -n <args>`; resolves with a non-zero code rather than throwing when it fails. */
export function umount(args: readonly string[]): Promise<ToolResult> {
  return serialized(['umount', '-n', ...args]);
}
