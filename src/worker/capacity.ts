import os from 'node:os';
import type { Capacity } from '../queue/job-queue.ts';

/** This machine's capacity for grading: every CPU, 80% of the memory (the rest for the OS and gradebox). */
export function machineCapacity(): Capacity {
  return { cpus: os.availableParallelism(), memoryMiB: Math.floor((os.totalmem() / 1024 / 1024) * 0.8) };
}

/**
 * What the worker's running jobs reserve against its total capacity. A job asking for more than
 * the whole machine reserves the whole machine (so it runs alone rather than never), matching the
 * queue's admission rule (see ClaimRequest.total).
 */
export class Admission {
  readonly total: Readonly<Capacity>;
  #used: Capacity = { cpus: 0, memoryMiB: 0 };

  constructor(total: Capacity) {
    if (!(total.cpus > 0) || !(total.memoryMiB > 0)) {
      throw new RangeError(`worker capacity must be positive, got ${total.cpus} cpus and ${total.memoryMiB} MiB`);
    }
    this.total = Object.freeze({ ...total });
  }

  /** Capacity not reserved by running jobs. */
  get free(): Capacity {
    return { cpus: this.total.cpus - this.#used.cpus, memoryMiB: this.total.memoryMiB - this.#used.memoryMiB };
  }

  /** Whether a job's share (clamped to the total, as reserved) fits what is free. */
  fits(job: Capacity): boolean {
    const free = this.free;
    // Fractional CPUs add up with rounding errors.
    return Math.min(job.cpus, this.total.cpus) <= free.cpus + 1e-9 && Math.min(job.memoryMiB, this.total.memoryMiB) <= free.memoryMiB + 1e-9;
  }

  /** Reserves a claimed job's share (clamped to the total); returns the function that gives it back. */
  reserve(job: Capacity): () => void {
    const share = { cpus: Math.min(job.cpus, this.total.cpus), memoryMiB: Math.min(job.memoryMiB, this.total.memoryMiB) };
    this.#used = { cpus: this.#used.cpus + share.cpus, memoryMiB: this.#used.memoryMiB + share.memoryMiB };
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used = { cpus: this.#used.cpus - share.cpus, memoryMiB: this.#used.memoryMiB - share.memoryMiB };
    };
  }
}
