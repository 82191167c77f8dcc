import { StorageFull } from '../platform/errors.ts';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** True when `error` (or an error it wraps as `cause`) says the disk or the quota is full. */
export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (DISK_FULL.has((e as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/** Runs `work`; a full disk (ENOSPC, EDQUOT) anywhere in it becomes StorageFull (507). */
export async function orStorageFull<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDiskFull(error)) throw new StorageFull();
    throw error;
  }
}
