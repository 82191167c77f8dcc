import { describe, expect, it } from 'vitest';
import { defaultSeccompProfile, type SeccompProfile, type SeccompRule } from '../../src/sandbox/seccomp.ts';
import {
  BPF, compileSeccompBpf, defaultSeccompBpf, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
} from '../../src/sandbox/seccomp-bpf.ts';
import { X86_64_SYSCALLS } from '../../src/sandbox/syscalls-x86_64.ts';

const AUDIT_ARCH_X86_64 = 0xc000003e;
const EPERM = SECCOMP_RET_ERRNO | 1;
const ENOSYS = SECCOMP_RET_ERRNO | 38;
const nr = (name: string): number => X86_64_SYSCALLS.get(name) ?? expect.fail(`no syscall ${name}`);

interface Call {
  nr: number;
  arch?: number;
  args?: bigint[];
}

/**
 * A classic-BPF interpreter for seccomp programs, as the kernel runs them: checks what the
 * kernel's verifier checks (length, forward jumps in range, known opcodes, a final return) and
 * returns the program's verdict for one call.
 */
function run(program: Buffer, call: Call): number {
  const count = program.length / 8;
  expect(count).toBeLessThanOrEqual(4096);
  const data = Buffer.alloc(64);
  data.writeUInt32LE(call.nr >>> 0, 0);
  data.writeUInt32LE(call.arch ?? AUDIT_ARCH_X86_64, 4);
  (call.args ?? []).forEach((arg, i) => data.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + i * 8));
  let a = 0;
  for (let pc = 0, steps = 0; pc < count && steps < 10_000; steps++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    const jump = (offset: number): number => {
      const target = pc + 1 + offset;
      if (target >= count) throw new Error(`jump out of the program at ${pc}`);
      return target;
    };
    switch (code) {
      case BPF.LD_W_ABS:
        if (k % 4 !== 0 || k + 4 > 64) throw new Error(`bad load offset ${k} at ${pc}`);
        a = data.readUInt32LE(k);
        pc++;
        break;
      case BPF.AND_K:
        a = (a & k) >>> 0;
        pc++;
        break;
      case BPF.JA:
        pc = jump(k);
        break;
      case BPF.JEQ_K:
        pc = jump(a === k ? jt : jf);
        break;
      case BPF.JGT_K:
        pc = jump(a > k ? jt : jf);
        break;
      case BPF.JGE_K:
        pc = jump(a >= k ? jt : jf);
        break;
      case BPF.RET_K:
        return k;
      default:
        throw new Error(`unknown opcode ${code} at ${pc}`);
    }
  }
  throw new Error('the program ran off its end');
}

/** The profile's meaning for a call, straight from its rules (the reference the program must match). */
function reference(profile: SeccompProfile, call: Call): number {
  if ((call.arch ?? AUDIT_ARCH_X86_64) !== AUDIT_ARCH_X86_64 || call.nr >= 0x40000000) return SECCOMP_RET_KILL_PROCESS;
  const named = profile.syscalls.flatMap((rule) => rule.names).map((name) => X86_64_SYSCALLS.get(name)).filter((n) => n !== undefined);
  if (call.nr > Math.max(...named)) return ENOSYS;
  const args = call.args ?? [];
  const holds = (rule: SeccompRule): boolean => (rule.args ?? []).every((arg) => {
    const value = args[arg.index] ?? 0n;
    if (arg.op === 'SCMP_CMP_EQ') return value === BigInt(arg.value);
    if (arg.op === 'SCMP_CMP_NE') return value !== BigInt(arg.value);
    return (value & BigInt(arg.value)) === BigInt(arg.valueTwo ?? 0);
  });
  for (const rule of profile.syscalls) {
    if (rule.names.some((name) => X86_64_SYSCALLS.get(name) === call.nr) && holds(rule)) {
      return rule.action === 'SCMP_ACT_ALLOW' ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | (rule.errnoRet ?? 1);
    }
  }
  return EPERM;
}

const CLONE_NEW = { NEWNS: 0x20000, NEWCGROUP: 0x2000000, NEWUTS: 0x4000000, NEWIPC: 0x8000000, NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000 };
const THREAD_FLAGS = 0x3d0f00n; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

describe('compileSeccompBpf', () => {
  const profile = defaultSeccompProfile('x64');
  const program = compileSeccompBpf(profile);
  const verdict = (name: string, args: bigint[] = []): number => run(program, { nr: nr(name), args });

  it('allows every syscall the profile allows unconditionally', () => {
    const allowed = profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names);
    const known = allowed.filter((name) => X86_64_SYSCALLS.has(name));
    expect(known.length).toBeGreaterThan(250);
    for (const name of known) expect(verdict(name), name).toBe(SECCOMP_RET_ALLOW);
  });

  it.each([
    'mount', 'umount2', 'pivot_root', 'kexec_load', 'init_module', 'finit_module', 'bpf', 'perf_event_open', 'keyctl',
    'add_key', 'request_key', 'userfaultfd', 'unshare', 'setns', 'open_by_handle_at', 'io_uring_setup', 'io_uring_enter',
    'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'reboot', 'swapon', 'fsopen', 'move_mount',
  ])('refuses %s with EPERM', (name) => {
    expect(verdict(name)).toBe(EPERM);
  });

  it('allows chroot (a root grader may jail its student\'s code; CAP_SYS_CHROOT decides)', () => {
    expect(verdict('chroot')).toBe(SECCOMP_RET_ALLOW);
  });

  it('answers clone3, io_setup and numbers above the profile with ENOSYS, so libc and libaio fall back', () => {
    expect(verdict('clone3')).toBe(ENOSYS);
    expect(verdict('io_setup', [1n, 0n])).toBe(ENOSYS);
    expect(run(program, { nr: nr('futex_requeue') + 1 })).toBe(ENOSYS);
    expect(run(program, { nr: 1000 })).toBe(ENOSYS);
    expect(run(program, { nr: 0x3fffffff })).toBe(ENOSYS);
  });

  it('allows clone for forks and threads, and refuses every namespace flag', () => {
    expect(verdict('clone', [17n])).toBe(SECCOMP_RET_ALLOW); // SIGCHLD: fork
    expect(verdict('clone', [THREAD_FLAGS])).toBe(SECCOMP_RET_ALLOW);
    for (const [flag, value] of Object.entries(CLONE_NEW)) {
      expect(verdict('clone', [17n | BigInt(value)]), flag).toBe(EPERM);
      expect(verdict('clone', [THREAD_FLAGS | BigInt(value)]), flag).toBe(EPERM);
    }
  });

  it('allows unix, inet, inet6 and netlink sockets only, and only harmless personalities', () => {
    for (const family of [1n, 2n, 10n, 16n]) expect(verdict('socket', [family, 1n, 0n])).toBe(SECCOMP_RET_ALLOW);
    for (const family of [40n /* vsock */, 38n /* alg */, 17n /* packet */, 0n]) expect(verdict('socket', [family, 1n, 0n])).toBe(EPERM);
    for (const persona of [0x0n, 0x8n, 0x20000n, 0x20008n, 0xffffffffn]) expect(verdict('personality', [persona])).toBe(SECCOMP_RET_ALLOW);
    expect(verdict('personality', [0x0040000n])).toBe(EPERM); // ADDR_NO_RANDOMIZE
  });

  it('decides on the low 32 bits of int arguments, which are all the kernel reads', () => {
    const high = 0x1_0000_0000n;
    expect(verdict('socket', [high + 40n, 1n, 0n])).toBe(EPERM);
    expect(verdict('socket', [0xffff_ffff_0000_0028n, 1n, 0n])).toBe(EPERM);
    expect(verdict('socket', [high + 2n, 1n, 0n])).toBe(SECCOMP_RET_ALLOW);
    expect(verdict('personality', [high + 0x0040000n])).toBe(EPERM);
    expect(verdict('personality', [high])).toBe(SECCOMP_RET_ALLOW); // persona 0, as the kernel sees it
  });

  it('kills calls from another architecture and x32 calls', () => {
    for (const arch of [0x40000003 /* i386 */, 0xc00000b7 /* aarch64 */, 0]) {
      expect(run(program, { nr: nr('read'), arch })).toBe(SECCOMP_RET_KILL_PROCESS);
    }
    expect(run(program, { nr: 0x40000000 | nr('read') })).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(program, { nr: 0x40000000 | 512 })).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(run(program, { nr: 0xffffffff })).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('agrees with the profile on every syscall number and sampled arguments', () => {
    const samples = [0n, 17n, 40n, 8n, 0xffffffffn, 0x1_0000_0028n, BigInt(CLONE_NEW.NEWUSER), THREAD_FLAGS];
    for (let n = 0; n < 520; n++) {
      for (const arg of samples) expect(run(program, { nr: n, args: [arg] }), `nr ${n} arg ${arg}`).toBe(reference(profile, { nr: n, args: [arg] }));
    }
  });

  it('jumps over long subtrees with ja, and stays correct', () => {
    // Every other syscall allowed: hundreds of runs, so the top of the search tree needs long jumps.
    const names = [...X86_64_SYSCALLS].filter(([, n]) => n % 2 === 0).map(([name]) => name);
    const sparse: SeccompProfile = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] };
    const compiled = compileSeccompBpf(sparse);
    const codes = Array.from({ length: compiled.length / 8 }, (_, i) => compiled.readUInt16LE(i * 8));
    expect(codes.filter((code) => code === BPF.JA).length).toBeGreaterThan(0);
    for (let n = 0; n < 470; n++) expect(run(compiled, { nr: n }), `nr ${n}`).toBe(reference(sparse, { nr: n }));
  });

  it('refuses what it cannot compile', () => {
    expect(() => compileSeccompBpf({ ...profile, architectures: ['SCMP_ARCH_AARCH64'] })).toThrow(/AARCH64/);
    const mixed: SeccompRule[] = [
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    ];
    expect(() => compileSeccompBpf({ ...profile, syscalls: mixed })).toThrow(/different actions/);
  });

  it('is compiled once per process and base64-encoded for crun', () => {
    const encoded = defaultSeccompBpf('x64');
    expect(encoded).toBe(defaultSeccompBpf('x64'));
    expect(Buffer.from(encoded ?? '', 'base64')).toEqual(program);
    expect(defaultSeccompBpf('arm64')).toBeUndefined();
  });
});
