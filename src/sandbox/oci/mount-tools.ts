import { runCommand, type CommandResult } from './runtime-launcher.ts';

/**
 * Runs mount(8) and umount(8) for scratch areas through the long-lived helper shell that also
 * starts the OCI runtime (runtime-launcher.ts), instead of spawning each: Node's spawn forks the
 * whole supervisor (~2 ms from a fresh Node, ~20 ms with a server's few hundred MB resident,
 * blocking its event loop), a shell's fork ~0.2 ms, and a run has up to three of these on its
 * critical path (mount the scratch tmpfs, the overlay, unmount both). One shell for both jobs
 * saves a one-shot `gradebox grade local` a second fork of Node. busybox's mount applets also
 * skip loading libraries (util-linux's mount takes ~1.7 ms to load libmount, libblkid and
 * libselinux); without busybox, /bin/sh runs util-linux's. Commands run one at a time, in the
 * order asked.
 */

export type ToolResult = CommandResult;

let queue: Promise<unknown> = Promise.resolve();

/** Runs the helpers one after another, so an unmount never overtakes the mount before it. */
function serialized(args: readonly string[], cwd = '/'): Promise<ToolResult> {
  const result = queue.then(() => runCommand(args, cwd));
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
