import type { Limits } from './limits.ts';

/** The image a run starts from, as every backend needs it. */
export interface PreparedImage {
  /** Image id: `sha256:` digest of the image config (Docker's image id). */
  id: string;
  /** Host path of the unpacked, read-only root filesystem, owners shifted into the sandbox id range (see id-range.ts; used by the `oci` backend). */
  rootfs: string;
}

/**
 * A fresh directory the sandbox creates for one run and mounts at `target`. It lives in the run's
 * size-limited scratch space and is removed with the run.
 */
export interface Volume {
  target: string;
  readOnly: boolean;
  /** Owned by the run's uid/gid (writable by the grader) or by root. */
  owner: 'user' | 'root';
  /** What is copied in first (see TreeSource). */
  copyFrom?: TreeSource;
}

/**
 * What a volume starts with: a host directory, whose contents are copied (symbolic links as links,
 * never followed), or a listed tree.
 */
export type TreeSource = string | ListedTree;

/**
 * Files gathered from anywhere on the host, each copied to its own path (e.g. a submission kept in
 * a content-addressed blob store, copied straight into the run). The folders the paths need are
 * made (0755); files get mode 0644.
 */
export interface ListedTree {
  files: readonly ListedFile[];
}

export interface ListedFile {
  /** Clean relative path in the volume ('/'-separated, no `.` or `..`). */
  path: string;
  /** Host path of a regular file holding the content (a link is refused, not followed). */
  source: string;
  /** Its size in bytes, as recorded; a source of another size is refused as corrupt. */
  size: number;
  /** Mode 0755 instead of 0644 (a program gradebox itself places into a run). */
  executable?: boolean;
}

/** A single read-only file placed into the run (e.g. Gradescope's submission_metadata.json). */
export interface FileInput {
  target: string;
  content: string | Uint8Array;
}

/**
 * Who the program runs as, inside the run's user namespace (0…65535, see id-range.ts): uid 0 is
 * the run's root, with a container root's capabilities that count only inside the namespace
 * (capabilities.ts); any other uid has no capability. On the host every id is one of gradebox's
 * own range, never a host account's.
 */
export interface RunUser {
  uid: number;
  gid: number;
}

export interface RunSpec {
  image: PreparedImage;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  user: RunUser;
  /**
   * Make the run's root directory `/` writable by every user (sticky, like /tmp): for graders that
   * write into their working directory when it is `/` (Coursera's R grader writes Rplots.pdf).
   * What they write there goes to the run's writable layer like any other write.
   */
  rootWritable?: boolean;
  volumes: Volume[];
  files: FileInput[];
  /** Container paths read back after the run, with the rules of `safe-read` (no links, regular files, size cap). */
  outputs: string[];
  /** Largest output file accepted, in bytes. */
  outputFileCapBytes: number;
  limits: Limits;
  /** Network access; without it the run only has a loopback interface. */
  network: boolean;
  /** Keep the run's scratch files for debugging (`--no-rm`); the container itself is always removed. */
  keep: boolean;
}

export type EndReason = 'exited' | 'timeout' | 'out-of-memory' | 'output-limit' | 'killed';

export interface CapturedOutput {
  /** The first `outputCapBytes` bytes, decoded as UTF-8. */
  text: string;
  /** Total bytes the run wrote to this stream (counted even past the cap). */
  bytes: number;
  truncated: boolean;
}

export interface Usage {
  wallMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
}

/** A file read back from the run, or why it could not be read safely. */
export type OutputFile = { ok: true; data: Buffer } | { ok: false; missing: boolean; error: string };

export interface RunOutcome {
  reason: EndReason;
  exitCode: number | null;
  signal: string | null;
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  usage: Usage;
  /** Keyed by the container paths named in `RunSpec.outputs`. */
  outputs: Record<string, OutputFile>;
  /** Host path of the kept scratch files when `keep` was set. */
  keptAt?: string;
}

/** Raised when the sandbox itself cannot work (runtime missing, kernel feature absent): exit code 3. */
export class SandboxError extends Error {
  override name = 'SandboxError';
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.hint = hint;
  }
}

/**
 * A run attached to this process's stdin, stdout and stderr (`gradebox inspect`): nothing is
 * captured and no result file is read back. The limits' output caps do not apply.
 */
export type InteractiveSpec = Omit<RunSpec, 'outputs' | 'outputFileCapBytes'>;

/** How an interactive run meets the caller's terminal or pipes. */
export interface InteractiveIo {
  /**
   * Give the program a pseudo-terminal of its own, proxied to `stdin`/`stdout` (which must then
   * be a terminal), with raw mode, window size and Ctrl-C handled like `docker run -it`. When
   * false the program gets `stdin`, `stdout` and `stderr` themselves (`docker run -i`).
   */
  terminal: boolean;
  /** File descriptors of this process the run uses; default 0, 1 and 2. */
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

/** How an interactive run ended. */
export interface InteractiveOutcome {
  reason: Exclude<EndReason, 'output-limit'>;
  /** The program's exit status; null when it died of a signal or was stopped. */
  exitCode: number | null;
  signal: string | null;
  usage: Usage;
  /** Processes the memory limit killed during the run (the program itself may have survived). */
  oomKills: number;
  /** Host path of the kept scratch files when `keep` was set. */
  keptAt?: string;
}

/** One way of running a program in isolation. Backends: `oci` (runc/crun) and `docker`. */
export interface Sandbox {
  readonly name: string;
  /** Runs to completion; never leaves a process, mount, cgroup or runtime state behind. */
  run(spec: RunSpec, signal?: AbortSignal): Promise<RunOutcome>;
  /**
   * Runs `spec` attached to the caller's terminal or pipes until the program exits, with the same
   * isolation, limits and cleanup as `run`. Optional: a backend without it cannot serve
   * `gradebox inspect`, and callers say so rather than fall back to something less isolated.
   */
  runInteractive?(spec: InteractiveSpec, io: InteractiveIo, signal?: AbortSignal): Promise<InteractiveOutcome>;
  /** Removes state left by a supervisor that died (SIGKILL) in an earlier run. */
  cleanupStale(): Promise<void>;
}
