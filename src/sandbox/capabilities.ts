/**
 * What a run's root (uid 0 inside its user namespace) may do: the capabilities a container root
 * normally has in Docker, so graders that chown, change user, or kill their children work as on
 * Gradescope. They are effective only inside the run's user namespace, over the ids mapped into
 * it: nothing they allow reaches a file, process or device of the host.
 *
 * Left out of Docker's default set: CAP_NET_RAW (raw and packet sockets, the way into kernel bugs
 * such as CVE-2020-14386; a run has no network anyway) and CAP_MKNOD (a user namespace cannot
 * create devices, so it would only mislead). Every other user has no capability at all.
 */
export const ROOT_CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_AUDIT_WRITE',
]);

/** The capabilities a run's process starts with: root's set for uid 0, none for anyone else. */
export function runCapabilities(uid: number): readonly string[] {
  return uid === 0 ? ROOT_CAPABILITIES : [];
}
