import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** One mounted cgroup hierarchy: v1 (one per controller set) or the v2 unified one. */
export interface Hierarchy {
  mountPoint: string;
  version: 1 | 2;
  controllers: string[];
}

/** What the cgroups of a finished run recorded. */
export interface CgroupUsage {
  cpuMs: number;
  peakMemoryBytes: number;
  /** OOM kills counted where the backend reads them (see each backend's notes). */
  oomKills: number;
}

/** A cgroup file's text, or undefined when it (or its cgroup) is gone. */
export async function readCgroupFile(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** readCgroupFile, synchronously: cgroupfs lives in memory, so the call costs less than a thread-pool round trip. */
export function readCgroupFileSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The number after `key` in `key value` lines (memory.events, cpu.stat, memory.oom_control); 0 when absent. */
export function keyedValue(text: string | undefined, key: string): number {
  const match = text?.match(new RegExp(`^${key} (\\d+)$`, 'm'));
  return match?.[1] === undefined ? 0 : Number(match[1]);
}
