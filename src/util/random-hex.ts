import { closeSync, openSync, readSync } from 'node:fs';
import { nodeCrypto } from './node-crypto.ts';

/**
 * `bytes` random bytes as hex, read from the kernel's CSPRNG (/dev/urandom) rather than through
 * node:crypto's randomBytes, so that naming a run or a temporary file does not load node:crypto
 * (see node-crypto.ts). Where /dev/urandom cannot be read (a chroot without it), randomBytes.
 */
export function randomHex(bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    if (readSync(fd, buffer, 0, bytes, null) === bytes) return buffer.toString('hex');
  } catch {
    // Fall through to node:crypto.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return nodeCrypto().randomBytes(bytes).toString('hex');
}
