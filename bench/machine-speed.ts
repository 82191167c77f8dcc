/**
 * How fast this machine runs right now, independent of gradebox: a virtual machine's speed drifts
 * (neighbours, throttling), and a benchmark figure means little without it. Two probes: hashing
 * (one core, user space) and starting processes (kernel: fork, exec, exit), the two kinds of work
 * a grading is made of.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface MachineSpeed {
  /** SHA-256 throughput of one core, MB/s. */
  hashMBps: number;
  /** `/bin/true` started and waited for, one after another, per second. */
  spawnsPerSecond: number;
}

export function machineSpeed(): MachineSpeed {
  const block = Buffer.alloc(1 << 20, 7);
  const hash = createHash('sha256');
  let start = performance.now();
  for (let i = 0; i < 256; i++) hash.update(block);
  hash.digest();
  const hashMBps = 256 / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let i = 0; i < 100; i++) spawnSync('/bin/true');
  const spawnsPerSecond = 100 / ((performance.now() - start) / 1000);
  return { hashMBps, spawnsPerSecond };
}

export function describeSpeed({ hashMBps, spawnsPerSecond }: MachineSpeed): string {
  return `machine speed now: sha256 ${hashMBps.toFixed(0)} MB/s on one core, ${spawnsPerSecond.toFixed(0)} process starts/s`;
}
