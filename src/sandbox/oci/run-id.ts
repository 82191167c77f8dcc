import { randomHex } from '../../util/random-hex.ts';
import { stateTag } from '../state-tag.ts';

/**
 * Container ids look like `gradebox-<state tag>-<supervisor pid, base 36>-<random>`. The state
 * tag (a hash of the state directory) keeps two state directories from touching each other's
 * cgroups, which share one host-wide parent; the pid tells `cleanupStale` whether the
 * supervisor that started the run is still alive.
 */
export const RUN_ID_PREFIX = 'gradebox-';

/**
 * Ids of runs (and runtime trials) in progress in this process, whichever sandbox instance
 * started them: `cleanupStale` must never touch these.
 */
export const activeRuns = new Set<string>();

/** The id prefix shared by all runs of one state directory. */
export function runIdPrefix(stateDir: string): string {
  return `${RUN_ID_PREFIX}${stateTag(stateDir)}-`;
}

/** A fresh run id for a run started by this process. */
export function newRunId(stateDir: string, kind = ''): string {
  return `${runIdPrefix(stateDir)}${process.pid.toString(36)}-${kind}${randomHex(5)}`;
}

/** The pid of the supervisor that created run `id`, or undefined if `id` is not a run id. */
export function runOwner(id: string): number | undefined {
  const match = /^gradebox-[0-9a-f]{8}-([0-9a-z]+)-[0-9a-z]+$/.exec(id);
  return match?.[1] === undefined ? undefined : parseInt(match[1], 36);
}

