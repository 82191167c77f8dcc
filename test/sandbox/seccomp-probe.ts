import { X86_64_SYSCALLS } from '../../src/sandbox/syscalls-x86_64.ts';

/**
 * A Python program that makes raw system calls (through ctypes) the default seccomp profile must
 * refuse, and prints `name result` per call: `ok` or the errno name. Each call is chosen so that
 * without the filter it would give a different answer (succeed, or fail with EINVAL or EFAULT),
 * so a refusal proves the filter, not missing privileges. x86_64 numbers.
 */
const nr = (name: string): number => {
  const number = X86_64_SYSCALLS.get(name);
  if (number === undefined) throw new Error(`no syscall ${name}`);
  return number;
};

const CLONE_FS = 0x200;
/** Set in the upper half of a 64-bit register: the kernel ignores it for `int` arguments. */
const HIGH = 0x1_0000_0000;
const CLONE_NEWNS = 0x20000;
const CLONE_NEWUSER = 0x10000000;

/** name → [syscall number, arguments, expected result] */
export const SECCOMP_PROBES: Record<string, [number, number[], string]> = {
  getpid: [nr('getpid'), [], 'ok'],
  // The kernel refuses a new user or mount namespace sharing the filesystem info (EINVAL), so
  // these never fork even if the filter failed.
  'clone(NEWUSER)': [nr('clone'), [CLONE_NEWUSER | CLONE_FS, 0, 0, 0, 0], 'EPERM'],
  'clone(NEWNS)': [nr('clone'), [CLONE_NEWNS | CLONE_FS, 0, 0, 0, 0], 'EPERM'],
  'clone3': [nr('clone3'), [0, 0], 'ENOSYS'],
  'unshare(NEWUSER)': [nr('unshare'), [CLONE_NEWUSER], 'EPERM'],
  'keyctl(GET_KEYRING_ID)': [nr('keyctl'), [0, -3, 0], 'EPERM'],
  add_key: [nr('add_key'), [0, 0, 0, 0, 0], 'EPERM'],
  'ptrace(TRACEME)': [nr('ptrace'), [0, 0, 0, 0], 'EPERM'],
  io_uring_setup: [nr('io_uring_setup'), [1, 0], 'EPERM'],
  userfaultfd: [nr('userfaultfd'), [0], 'EPERM'],
  bpf: [nr('bpf'), [0, 0, 0], 'EPERM'],
  perf_event_open: [nr('perf_event_open'), [0, 0, -1, -1, 0], 'EPERM'],
  'socket(AF_VSOCK)': [nr('socket'), [40, 1, 0], 'EPERM'],
  'socket(AF_ALG)': [nr('socket'), [38, 5, 0], 'EPERM'],
  'socket(AF_UNIX)': [nr('socket'), [1, 1, 0], 'ok'],
  'personality(ADDR_NO_RANDOMIZE)': [nr('personality'), [0x0040000], 'EPERM'],
  'personality(query)': [nr('personality'), [0xffffffff], 'ok'],
  // Each filtered argument again with high bits set: the kernel reads an `int` from the low 32
  // bits, so the filter must decide on them too (AF_VSOCK slipped through a 64-bit "not 40").
  'socket(AF_VSOCK | high bits)': [nr('socket'), [HIGH + 40, 1, 0], 'EPERM'],
  'socket(AF_ALG | high bits)': [nr('socket'), [HIGH + 38, 5, 0], 'EPERM'],
  'socket(AF_INET | high bits)': [nr('socket'), [HIGH + 2, 1, 0], 'ok'],
  'personality(ADDR_NO_RANDOMIZE | high bits)': [nr('personality'), [HIGH + 0x0040000], 'EPERM'],
  'personality(query | high bits)': [nr('personality'), [HIGH + 0xffffffff], 'ok'],
  'clone(NEWUSER | high bits)': [nr('clone'), [HIGH + CLONE_NEWUSER + CLONE_FS, 0, 0, 0, 0], 'EPERM'],
  // Kernel AIO contexts are a host-wide budget: refused as not implemented.
  io_setup: [nr('io_setup'), [1, 0], 'ENOSYS'],
  'newer than the profile': [1000, [], 'ENOSYS'],
};

export function seccompProbeScript(): string {
  const calls = Object.entries(SECCOMP_PROBES).map(([name, [number, args]]) => `probe(${JSON.stringify(name)}, ${number}, ${JSON.stringify(args)})`);
  return [
    'import ctypes, errno, sys',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'libc.syscall.restype = ctypes.c_long',
    'def probe(name, number, args):',
    '    result = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])',
    '    print(name, "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()])',
    ...calls,
    'sys.stdout.flush()',
    // An x32 call (bit 30 set) must kill the process.
    `libc.syscall(ctypes.c_long(0x40000000 | ${nr('getpid')}))`,
    'print("x32 call survived")',
  ].join('\n');
}
