import { defaultSeccompProfile, type SeccompArg, type SeccompProfile, type SeccompRule } from './seccomp.ts';
import { X86_64_SYSCALLS } from './syscalls-x86_64.ts';
import { nodeCrypto } from '../util/node-crypto.ts';

/**
 * Compiles a seccomp profile (the OCI `linux.seccomp` shape of ./seccomp.ts) into a classic-BPF
 * program for seccomp(SECCOMP_SET_MODE_FILTER), so a runtime that takes a ready program (crun's
 * `run.oci.seccomp_bpf_data` annotation) skips compiling the profile with libseccomp in every
 * container start (~10 ms per run on the reference machine).
 *
 * Meaning, as runc with libseccomp gives it: a call from any other architecture, or an x32 call
 * (same arch value, bit 30 set), kills the process (libseccomp kills only the thread; killing
 * the process leaves nothing half-dead); a number above the highest the profile names gets
 * ENOSYS (runc's rule, so libc falls back from calls newer than the profile); otherwise the named
 * syscall's rules decide, each rule's argument checks joined by AND, a syscall's rules by OR,
 * comparing all 64 bits of an argument; anything else gets the default action. One deliberate
 * difference: syscalls that libseccomp 2.5 does not know yet (fchmodat2, futex_wake, ...) get what
 * the profile says instead of ENOSYS.
 *
 * Layout: arch and x32 checks, then a binary search over runs of syscall numbers that share an
 * action (a `jge` per node, a `ret` per leaf, ~8 comparisons for ~460 numbers), then one block per
 * syscall with argument checks. Conditional jumps reach at most 255 instructions ahead, so where
 * a subtree is longer the node jumps over a `ja` (32-bit offset) instead.
 */

export const SECCOMP_RET_KILL_PROCESS = 0x8000_0000;
export const SECCOMP_RET_ERRNO = 0x0005_0000;
export const SECCOMP_RET_ALLOW = 0x7fff_0000;
const EPERM = 1;
const ENOSYS = 38;
const X32_SYSCALL_BIT = 0x4000_0000;

// Classic BPF opcodes (linux/bpf_common.h) used here.
export const BPF = { LD_W_ABS: 0x20, AND_K: 0x54, JA: 0x05, JEQ_K: 0x15, JGT_K: 0x25, JGE_K: 0x35, RET_K: 0x06 } as const;
// Offsets in struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64).
const NR = 0;
const ARCH = 4;
const argWord = (index: number, high: boolean): number => 16 + index * 8 + (high ? 4 : 0);
// The kernel's limit (BPF_MAXINSNS).
const MAX_INSTRUCTIONS = 4096;

interface Architecture {
  audit: number;
  syscalls: ReadonlyMap<string, number>;
}
const ARCHITECTURES: Record<string, Architecture> = {
  SCMP_ARCH_X86_64: { audit: 0xc000_003e, syscalls: X86_64_SYSCALLS },
};

/** A jump target: an instruction index known only once the program is laid out. */
interface Label {
  at: number;
}
interface Instruction {
  code: number;
  k: number | Label;
  jt?: number | Label;
  jf?: number | Label;
}

/** What happens to one syscall number: a return value, or the argument checks of its rules. */
type Conditional = { rules: SeccompRule[]; ret: number };
type Decision = { ret: number } | Conditional;

function actionValue(rule: SeccompRule): number {
  return rule.action === 'SCMP_ACT_ALLOW' ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | (rule.errnoRet ?? EPERM);
}

function decide(name: string, rules: SeccompRule[]): Decision {
  const unconditional = rules.filter((rule) => rule.args === undefined || rule.args.length === 0);
  const actions = new Set(rules.map(actionValue));
  if (actions.size > 1) throw new Error(`seccomp: ${name} has rules with different actions, which this compiler does not support`);
  const ret = [...actions][0] ?? SECCOMP_RET_ERRNO | EPERM;
  return unconditional.length > 0 ? { ret } : { rules, ret };
}

/** Emits the checks of one argument; falls through when it holds, jumps to `fail` when not. */
function argumentCheck(arg: SeccompArg, fail: Label): Instruction[] {
  const split = (value: number): [number, number] => {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`seccomp: argument value ${value} is not a 64-bit unsigned integer`);
    return [Math.floor(value / 2 ** 32), value >>> 0];
  };
  const [hi, lo] = split(arg.op === 'SCMP_CMP_MASKED_EQ' ? arg.valueTwo ?? 0 : arg.value);
  const load = (high: boolean): Instruction => ({ code: BPF.LD_W_ABS, k: argWord(arg.index, high) });
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
      return [load(true), { code: BPF.JEQ_K, k: hi, jt: 0, jf: fail }, load(false), { code: BPF.JEQ_K, k: lo, jt: 0, jf: fail }];
    case 'SCMP_CMP_NE':
      // Holds when either half differs: a differing high half skips the low half's check.
      return [load(true), { code: BPF.JEQ_K, k: hi, jt: 0, jf: 2 }, load(false), { code: BPF.JEQ_K, k: lo, jt: fail, jf: 0 }];
    case 'SCMP_CMP_MASKED_EQ': {
      const [maskHi, maskLo] = split(arg.value);
      return [
        load(true), { code: BPF.AND_K, k: maskHi }, { code: BPF.JEQ_K, k: hi, jt: 0, jf: fail },
        load(false), { code: BPF.AND_K, k: maskLo }, { code: BPF.JEQ_K, k: lo, jt: 0, jf: fail },
      ];
    }
  }
}

/** The block of a conditional syscall placed at `base`: each rule in turn, then the default action. */
function ruleBlock(decision: Conditional, otherwise: number, base: number): Instruction[] {
  const out: Instruction[] = [];
  for (const rule of decision.rules) {
    const next: Label = { at: -1 };
    for (const arg of rule.args ?? []) out.push(...argumentCheck(arg, next));
    out.push({ code: BPF.RET_K, k: decision.ret });
    next.at = base + out.length;
  }
  out.push({ code: BPF.RET_K, k: otherwise });
  return out;
}

interface Run {
  first: number;
  decision: Decision;
}

/** The binary search over runs of numbers; leaves return, or jump to a syscall's block. */
function searchTree(runs: Run[], blockLabel: (decision: Conditional) => Label): Instruction[] {
  if (runs.length === 1) {
    const { decision } = runs[0] as Run;
    return 'rules' in decision ? [{ code: BPF.JA, k: blockLabel(decision) }] : [{ code: BPF.RET_K, k: decision.ret }];
  }
  const middle = runs.length >> 1;
  const below = searchTree(runs.slice(0, middle), blockLabel);
  const above = searchTree(runs.slice(middle), blockLabel);
  const boundary = (runs[middle] as Run).first;
  if (below.length <= 255) return [{ code: BPF.JGE_K, k: boundary, jt: below.length, jf: 0 }, ...below, ...above];
  return [{ code: BPF.JGE_K, k: boundary, jt: 0, jf: 1 }, { code: BPF.JA, k: below.length }, ...below, ...above];
}

/** Compiles `profile` for its single architecture into the bytes of a `struct sock_filter[]`. */
export function compileSeccompBpf(profile: SeccompProfile): Buffer {
  const [archName, ...more] = profile.architectures;
  const arch = archName === undefined ? undefined : ARCHITECTURES[archName];
  if (arch === undefined || more.length > 0) throw new Error(`seccomp: cannot compile for ${profile.architectures.join(', ') || 'no architecture'}`);
  // The profile's default action, SCMP_ACT_ERRNO, with the errno runc gives it.
  const otherwise = SECCOMP_RET_ERRNO | EPERM;

  const bySyscall = new Map<number, { name: string; rules: SeccompRule[] }>();
  for (const rule of profile.syscalls) {
    for (const name of rule.names) {
      const nr = arch.syscalls.get(name);
      if (nr === undefined) continue; // not on this architecture, as runc skips it
      const entry = bySyscall.get(nr) ?? { name, rules: [] };
      entry.rules.push(rule);
      bySyscall.set(nr, entry);
    }
  }
  if (bySyscall.size === 0) throw new Error('seccomp: the profile names no syscall of this architecture');
  const highest = Math.max(...bySyscall.keys());

  // Runs of consecutive numbers with the same plain return value; each conditional syscall is its own run.
  const runs: Run[] = [];
  for (let nr = 0; nr <= highest; nr++) {
    const entry = bySyscall.get(nr);
    const decision = entry === undefined ? { ret: otherwise } : decide(entry.name, entry.rules);
    const last = runs.at(-1);
    if (last !== undefined && !('rules' in last.decision) && !('rules' in decision) && last.decision.ret === decision.ret) continue;
    runs.push({ first: nr, decision });
  }

  const blocks: { label: Label; decision: Conditional }[] = [];
  const tree = searchTree(runs, (decision) => {
    const label: Label = { at: -1 };
    blocks.push({ label, decision });
    return label;
  });

  const program: Instruction[] = [
    { code: BPF.LD_W_ABS, k: ARCH },
    { code: BPF.JEQ_K, k: arch.audit, jt: 1, jf: 0 },
    { code: BPF.RET_K, k: SECCOMP_RET_KILL_PROCESS },
    { code: BPF.LD_W_ABS, k: NR },
    { code: BPF.JGE_K, k: X32_SYSCALL_BIT, jt: 0, jf: 1 },
    { code: BPF.RET_K, k: SECCOMP_RET_KILL_PROCESS },
    { code: BPF.JGT_K, k: highest, jt: 0, jf: 1 },
    { code: BPF.RET_K, k: SECCOMP_RET_ERRNO | ENOSYS },
    ...tree,
  ];
  for (const { label, decision } of blocks) {
    label.at = program.length;
    program.push(...ruleBlock(decision, otherwise, program.length));
  }
  return assemble(program);
}

/** Resolves labels to offsets (relative to the next instruction, as BPF counts) and encodes. */
function assemble(program: Instruction[]): Buffer {
  if (program.length > MAX_INSTRUCTIONS) throw new Error(`seccomp: program of ${program.length} instructions exceeds the kernel's ${MAX_INSTRUCTIONS}`);
  // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } in host byte order (little-endian on the supported architectures).
  const out = Buffer.alloc(program.length * 8);
  program.forEach((insn, at) => {
    const offset = (target: number | Label | undefined, limit: number): number => {
      const value = typeof target === 'object' ? target.at - at - 1 : target ?? 0;
      if (!Number.isInteger(value) || value < 0 || value > limit) throw new Error(`seccomp: jump of ${value} at instruction ${at} is out of range`);
      return value;
    };
    const k = typeof insn.k === 'object' ? offset(insn.k, MAX_INSTRUCTIONS) : insn.k;
    out.writeUInt16LE(insn.code, at * 8);
    out.writeUInt8(offset(insn.jt, 255), at * 8 + 2);
    out.writeUInt8(offset(insn.jf, 255), at * 8 + 3);
    out.writeUInt32LE(k >>> 0, at * 8 + 4);
  });
  return out;
}

// The CLI's bundle starts with it filled for the machine that built it (scripts/bundle-cli.ts runs
// this very module, from the same build, and writes the result here): ~5 ms less per `gradebox`.
// `digest` (see defaultSeccompBpfDigest) is filled alike, or on first use.
let cached: { arch: string; base64: string | undefined; digest?: string } | undefined;

/**
 * The default profile (./seccomp.ts) compiled for `arch`, base64-encoded as crun's annotation
 * takes it; compiled once per process. Undefined where there is no syscall table for the
 * architecture: such hosts use the profile itself.
 */
export function defaultSeccompBpf(arch: string = process.arch): string | undefined {
  if (cached?.arch !== arch) {
    const profile = defaultSeccompProfile(arch);
    const supported = profile.architectures.every((name) => name in ARCHITECTURES);
    cached = { arch, base64: supported ? compileSeccompBpf(profile).toString('base64') : undefined };
  }
  return cached.base64;
}

/**
 * The SHA-256 (hex) of defaultSeccompBpf(arch), or of `none` where there is none: part of the
 * runtime verdict's key, since a trial proved that program. Computed once per build where the
 * bundle holds the program: hashing its ~2.3 KB at every start took a one-shot command ~2 ms.
 */
export function defaultSeccompBpfDigest(arch: string = process.arch): string {
  const base64 = defaultSeccompBpf(arch);
  if (cached === undefined) throw new Error('unreachable: defaultSeccompBpf fills the cache');
  cached.digest ??= nodeCrypto().createHash('sha256').update(base64 ?? 'none').digest('hex');
  return cached.digest;
}
