import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAlive } from '../../util/is-alive.ts';
import { randomHex } from '../../util/random-hex.ts';
import { stateTag } from '../state-tag.ts';

/**
 * Names of one run's containers, volumes and cgroup look like
 * `gradebox-docker-<state tag>-<supervisor pid, base 36>-<random>`. The state tag (a hash of the
 * state directory) keeps two gradebox installations on one daemon apart; the pid tells
 * `cleanupStale` whether the supervisor that started the run is still alive. The prefix differs
 * from the oci backend's (`gradebox-<hex>-`), so neither backend's cleanup touches the other's runs.
 */
export const RUN_NAME_PREFIX = 'gradebox-docker-';

/** Labels on every container and volume of a run (Docker filters by them). */
export const LABELS = {
  /** Always `docker`: this object belongs to a gradebox docker sandbox. */
  sandbox: 'io.gradebox.sandbox',
  /** The state tag (see runPrefix). */
  state: 'io.gradebox.state',
  /** The run name. */
  run: 'io.gradebox.run',
  /** `<host name>/<boot id>` of the supervisor: its pid means something only there. */
  owner: 'io.gradebox.owner',
  /** `grader` or `keeper` (containers only). */
  role: 'io.gradebox.role',
} as const;

/**
 * Runs in progress in this process, whichever sandbox instance started them: `cleanupStale`
 * never touches these.
 */
export const activeRuns = new Set<string>();

/** The name prefix shared by all docker runs of one state directory. */
export function runPrefix(stateDir: string): string {
  return `${RUN_NAME_PREFIX}${stateTag(stateDir)}-`;
}

/** A fresh run name for a run started by this process. */
export function newRunName(stateDir: string): string {
  return `${runPrefix(stateDir)}${process.pid.toString(36)}-${randomHex(5)}`;
}

/** The pid of the supervisor that started run `name`, or undefined if `name` is not a run name. */
export function runOwnerPid(name: string): number | undefined {
  const match = /^gradebox-docker-[0-9a-f]{8}-([0-9a-z]+)-[0-9a-f]+$/.exec(name);
  return match?.[1] === undefined ? undefined : parseInt(match[1], 36);
}

let identity: string | undefined;

/** This host and boot: a pid label is only meaningful where and while it was written. */
export function ownerIdentity(): string {
  if (identity === undefined) {
    let boot = 'no-boot-id';
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
    } catch {
      // Not Linux, or /proc hidden: the host name alone must do.
    }
    identity = `${hostname()}/${boot}`;
  }
  return identity;
}

/** The labels of run `name` started from `stateDir` by this process. */
export function runLabels(stateDir: string, name: string): Record<string, string> {
  return {
    [LABELS.sandbox]: 'docker',
    [LABELS.state]: stateTag(stateDir),
    [LABELS.run]: name,
    [LABELS.owner]: ownerIdentity(),
  };
}

/** Docker label filters that select every object of `stateDir`'s docker runs. */
export function stateFilters(stateDir: string): string[] {
  return [`${LABELS.sandbox}=docker`, `${LABELS.state}=${stateTag(stateDir)}`];
}

/**
 * Whether run `name` (with its owner label, when known) was left behind by a supervisor that is
 * gone: started on this host, and by a pid that is dead, from an earlier boot, or this very process
 * without the run being in progress. Runs of other hosts sharing the daemon are never stale here.
 */
export function isStaleRun(name: string, owner: string | undefined): boolean {
  if (activeRuns.has(name)) return false;
  const pid = runOwnerPid(name);
  if (pid === undefined) return false;
  if (owner !== undefined) {
    const [host, boot] = owner.split('/');
    const [ourHost, ourBoot] = ownerIdentity().split('/');
    if (host !== ourHost) return false;
    if (boot !== ourBoot) return true;
  }
  return pid === process.pid || !isAlive(pid);
}
