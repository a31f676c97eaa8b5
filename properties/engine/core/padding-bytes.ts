/**
 * The byte strings that really occupy or overwrite function padding in some kernel (spec §4.1,
 * §4.4, §5 and spec/real-layouts.md): what the fault suites write over md windows, and what a
 * counterexample names ("FineIBT feb2025 preamble, bytes 3..7"). Encodings the model already has
 * come from model/config; the rest are spelled out here, once.
 */
import {
  ARM64_BTI_C,
  DEFAULT_PADDING_PARAMS,
  X86_ENDBR64,
  X86_NOP,
  callDepthThunk,
  fineibtBhiTail,
  fineibtPreamble,
  kcfiMov,
  le32,
  le64,
} from '../../../model/config/index.ts';
import type { FineIbtEncoding } from '../../../model/config/index.ts';
import { decodeWindow, nopPattern, sameBytes } from '../../../model/index.ts';
import type { Arch } from '../../../model/index.ts';

export interface PaddingSource {
  readonly arch: Arch;
  /** who puts it there, e.g. 'FineIBT feb2025 preamble' */
  readonly name: string;
  /** where it is documented */
  readonly ref: string;
  /** in address order */
  readonly bytes: readonly number[];
}

const { kcfiHash, thunkRel32, callOpsLiteral, bhiCallRel32 } = DEFAULT_PADDING_PARAMS;
/** clang 16's kCFI hash of int(int) (real-layouts.md rule 8): top byte zero, so it reads like a small word */
const INT_INT_HASH = 0x00050794;
/** example operands that differ per function or per build: call __bhi_args rel32, %gs offset of __x86_call_depth */
const BHI_REL32 = bhiCallRel32 ?? 0;
const CALL_DEPTH_ABS = 0x0002_1f40;
const ARITY_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const FINEIBT: readonly FineIbtEncoding[] = ['pre2025', 'feb2025', 'later'];
/** `F3 0F 1E FA 2D h0..h3`: what FineIBT-BHI keeps of the later preamble before its tail at offset 9 */
const BHI_HEAD = fineibtPreamble('later', kcfiHash).slice(0, 9);
/** gas alignment filler, longest first (real-layouts.md rule 3); the 5-byte one is the poke-site nop5 below */
const FILLERS: readonly (readonly number[])[] = [
  [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x66, 0x90],
];

const x86 = (name: string, ref: string, bytes: readonly number[]): PaddingSource => ({ arch: 'x86', name, ref, bytes });
const arm64 = (name: string, ref: string, bytes: readonly number[]): PaddingSource => ({
  arch: 'arm64',
  name,
  ref,
  bytes,
});
const run = (n: number, b: number): number[] => Array.from({ length: n }, () => b);

// The first of each arch is what shrinking goes to: plain foreign bytes no exist() takes for an
// md instruction, so a shrunk counterexample keeps the bug it was found with.
const X86_SOURCES: readonly PaddingSource[] = [
  x86('int3 fill (linker fill, SLS int3, BPF JIT holes, bpf_arch_text_invalidate)', 'spec §4.1', run(16, 0xcc)),
  ...ARITY_REGS.map((reg, arity) =>
    x86(`kCFI preamble mov $hash,%${reg} (arity ${arity})`, 'spec §4.1', kcfiMov(kcfiHash, arity)),
  ),
  x86('kCFI preamble of int(int), hash 0x00050794', 'real-layouts.md rule 8', kcfiMov(INT_INT_HASH)),
  ...FINEIBT.map((e) => x86(`FineIBT ${e} preamble`, 'spec §4.1', fineibtPreamble(e, kcfiHash))),
  x86('FineIBT-BHI preamble, arity 1 (cs cmovne; jne)', 'spec §4.1', [...BHI_HEAD, ...fineibtBhiTail(1, 0)]),
  x86('FineIBT-BHI preamble, arity >= 2 (cs cs call __bhi_args)', 'spec §4.1', [
    ...BHI_HEAD,
    ...fineibtBhiTail(2, BHI_REL32),
  ]),
  x86('ENDBR64 (entry of an IBT function or JIT image)', 'spec §4.1, real-layouts.md rule 6', X86_ENDBR64),
  x86('poisoned ENDBR, nopl -42(%rax) (FineIBT entry)', 'spec §4.1', [0x0f, 0x1f, 0x40, 0xd6]),
  x86('call-depth thunk, RIP-relative (9 bytes)', 'spec §4.1', callDepthThunk(thunkRel32)),
  x86('call-depth thunk, absolute %gs (10 bytes)', 'spec §4.1', [
    ...[0x65, 0x48, 0xc1, 0x3c, 0x25],
    ...le32(CALL_DEPTH_ABS),
    0x05,
  ]),
  x86('padding NOPs (BYTES_NOP1)', 'spec §4.1', run(16, X86_NOP)),
  x86('nop5 x86_nops[5] (ftrace / BPF poke site)', 'real-layouts.md rule 5', [0x0f, 0x1f, 0x44, 0x00, 0x00]),
  x86('call rel32, unrelocated (fentry call, bpf_arch_text_poke)', 'real-layouts.md rule 5', [0xe8, ...le32(0)]),
  ...FILLERS.map((f) => x86(`${f.length}-byte alignment filler NOP`, 'real-layouts.md rule 3', f)),
  x86('previous function tail: mov $7,%eax; ret', 'real-layouts.md (x86 dumps)', [0xb8, 0x07, 0, 0, 0, 0xc3]),
  x86('previous function tail: jmp __x86_return_thunk; int3 (SLS)', 'real-layouts.md (x86 dumps)', [
    0xe9,
    ...le32(0),
    0xcc,
  ]),
];

const ARM64_SOURCES: readonly PaddingSource[] = [
  arm64('A64 NOP d503201f', 'spec §5', nopPattern('arm64')),
  arm64('bti c d503245f', 'spec §5, real-layouts.md rule 14', ARM64_BTI_C),
  arm64('paciasp d503233f (function entry)', 'real-layouts.md (Debian 6.12 arm64)', [0x3f, 0x23, 0x03, 0xd5]),
  arm64('CALL_OPS literal, ftrace_ops pointer', 'spec §5', le64(callOpsLiteral)),
  // AARCH64_BREAK_MON | FAULT_BRK_IMM << 5 (asm/insn-def.h; not in the spec)
  arm64('brk #0x100 d4202000, AARCH64_BREAK_FAULT (BPF JIT fill)', 'arm64 asm/insn-def.h', le32(0xd4202000)),
  arm64('kCFI type hash word', 'real-layouts.md (arm64 kCFI)', le32(kcfiHash)),
  arm64('kCFI hash word of int(int), 0x00050794', 'real-layouts.md rule 8', le32(INT_INT_HASH)),
  arm64('previous function tail: mov w0,#7; ret', 'real-layouts.md (arm64 dumps)', [
    ...[0xe0, 0x00, 0x80, 0x52],
    ...[0xc0, 0x03, 0x5f, 0xd6],
  ]),
  arm64('bl, unrelocated', 'real-layouts.md (relocations)', [0x00, 0x00, 0x00, 0x94]),
];

export const PADDING_SOURCES: readonly PaddingSource[] = [...X86_SOURCES, ...ARM64_SOURCES];

export function paddingSources(arch: Arch): readonly PaddingSource[] {
  return arch === 'x86' ? X86_SOURCES : ARM64_SOURCES;
}

/**
 * Where the source's byte 0 may sit relative to a window of `size` bytes so that they overlap
 * (negative: before the window). arm64 text is words, so only word-aligned shifts; 0 first, the
 * case shrinking goes to.
 */
export function shiftsOf(source: PaddingSource, size: number): number[] {
  const step = source.arch === 'arm64' ? 4 : 1;
  const out = [0];
  for (let s = -(source.bytes.length - step); s <= size - step; s += step) if (s !== 0) out.push(s);
  return out;
}

/** The window after the source was written `shift` bytes into it; NOPs where it does not reach. */
export function windowOf(source: PaddingSource, shift: number, size: number): number[] {
  const nop = nopPattern(source.arch);
  const inside = (k: number): boolean => k >= 0 && k < source.bytes.length;
  return Array.from({ length: size }, (_, j) => (inside(j - shift) ? source.bytes[j - shift] : nop[j % nop.length]));
}

/** 'FineIBT feb2025 preamble, bytes 0..1 at window byte 3' */
export function placementLabel(source: PaddingSource, shift: number, size: number): string {
  const first = Math.max(0, -shift);
  const last = Math.min(source.bytes.length, size - shift) - 1;
  const whole = first === 0 && last === source.bytes.length - 1;
  const part = whole ? '' : `, bytes ${first}..${last}`;
  return `${source.name}${part}${shift > 0 ? ` at window byte ${shift}` : ''}`;
}

/**
 * Every real byte string a window's bytes could be (a counterexample's foreign write, read
 * back); failing that, the md instruction they decode to. Empty: random bytes.
 */
/**
 * The names of the real byte strings a window's bytes are part of, each once (an int3 fill
 * matches at every shift), or the md instruction they decode to; empty for random bytes.
 */
export function sourcesOfWindow(arch: Arch, bytes: readonly number[]): string[] {
  const size = bytes.length;
  const names = paddingSources(arch)
    .filter((s) => shiftsOf(s, size).some((shift) => sameBytes(windowOf(s, shift, size), bytes)))
    .map((s) => s.name);
  if (names.length > 0) return [...new Set(names)];
  const decoded = decodeWindow(arch, bytes);
  return decoded.kind === 'insn' ? [`md instruction, index ${decoded.index}`] : [];
}

export function describeWindow(arch: Arch, bytes: readonly number[]): string[] {
  const size = bytes.length;
  const out = paddingSources(arch).flatMap((s) =>
    shiftsOf(s, size)
      .filter((shift) => sameBytes(windowOf(s, shift, size), bytes))
      .map((shift) => placementLabel(s, shift, size)),
  );
  if (out.length > 0) return out;
  const decoded = decodeWindow(arch, bytes);
  return decoded.kind === 'insn' ? [`md instruction, index ${decoded.index}`] : [];
}
