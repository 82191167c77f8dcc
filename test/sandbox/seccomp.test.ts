import { describe, expect, it } from 'vitest';
import { defaultSeccompProfile } from '../../src/sandbox/seccomp.ts';

describe('defaultSeccompProfile', () => {
  const profile = defaultSeccompProfile('x64');
  const allowedUnconditionally = new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));

  it('is an allowlist that refuses everything else', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64']);
    for (const name of ['read', 'write', 'execve', 'clone', 'futex', 'socket']) {
      expect(profile.syscalls.some((r) => r.names.includes(name) && r.action === 'SCMP_ACT_ALLOW'), name).toBe(true);
    }
  });

  it.each([
    'mount', 'umount2', 'pivot_root', 'kexec_load', 'init_module', 'finit_module', 'bpf', 'perf_event_open', 'keyctl',
    'add_key', 'request_key', 'userfaultfd', 'unshare', 'setns', 'open_by_handle_at', 'io_uring_setup', 'io_uring_enter',
    'io_uring_register', 'ptrace', 'process_vm_readv', 'reboot', 'swapon', 'clone', 'clone3', 'personality', 'socket',
  ])('does not allow %s unconditionally', (name) => {
    expect(allowedUnconditionally.has(name)).toBe(false);
  });

  it('allows clone only without namespace flags, and makes clone3 fall back with ENOSYS', () => {
    expect(profile.syscalls).toContainEqual({
      names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(profile.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('knows arm64 and refuses unknown architectures', () => {
    expect(defaultSeccompProfile('arm64').architectures).toEqual(['SCMP_ARCH_AARCH64']);
    expect(() => defaultSeccompProfile('mips')).toThrow(/mips/);
  });
});
