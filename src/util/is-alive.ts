/**
 * True when a process with this pid exists on this host (EPERM: it exists but belongs to someone
 * else). Not a pid (0, negative, fractional) is never alive: `kill(0)` and `kill(-n)` would ask
 * about process groups instead.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
