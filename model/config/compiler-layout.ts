/**
 * What gcc 12 / clang 16 put in front of a function entry, following the rules measured in
 * spec/real-layouts.md ("Layout rules observed"). It knows nothing about the kernel: it is
 * the reference that both the kernel configurations and the real dumps are checked against.
 */
import { ConfigError } from './configuration.ts';
import type { Configuration } from './configuration.ts';
import type { PaddingParams } from './padding-image.ts';
import { ORDINARY_FUNCTION } from './shape.ts';
import type { FunctionShape } from './shape.ts';

const ORDINARY_FUNCTION_SHAPE = { facts: ORDINARY_FUNCTION } as const;
import { ARM64_BTI_C, ARM64_NOP, X86_NOP, kcfiMov, le32 } from './bytes.ts';

export interface PatchableEntry {
  /** total NOPs (bytes on x86, words on arm64) */
  readonly n: number;
  /** how many of them go before the entry */
  readonly m: number;
}

export interface CompilerLayoutInput {
  readonly arch: 'x86' | 'arm64';
  /** -fpatchable-function-entry=N,M, or null when the flag is absent. */
  readonly patchable: PatchableEntry | null;
  /** false for functions the flag skips: patchable_function_entry(0,0) (arm64 notrace), top-level asm(). */
  readonly padded: boolean;
  /** -falign-functions (or the compiler's guaranteed default). */
  readonly alignment: number;
  /**
   * null: no -fsanitize=kcfi. Otherwise the function's type hash, or hash null when clang
   * emits no preamble for it (a static function whose address is never taken); `arity` with
   * clang's kCFI-arity (what FINEIBT_BHI builds with): the argument count, which names the mov's
   * register (absent: %eax).
   */
  readonly kcfi: { readonly hash: number | null; readonly arity?: number } | null;
  /** arm64 -mbranch-protection with bti, for a function that gets `bti c`. */
  readonly bti: boolean;
}

export type CompilerPartKind = 'cfi-fill' | 'kcfi' | 'patch';

export interface CompilerPart {
  readonly kind: CompilerPartKind;
  readonly start: number;
  readonly end: number;
}

export interface CompilerLayout {
  /** Bytes [-window.length, 0) that belong to this function: kCFI preamble + M patch NOPs. */
  readonly window: Uint8Array;
  readonly parts: readonly CompilerPart[];
  /** What the compiler puts at entry+0 before the body: `bti c`, then the N-M NOPs. */
  readonly entryPrefix: Uint8Array;
  /** The window start is aligned, so the entry sits at this offset modulo the alignment. */
  readonly entryPhase: number;
}

/** '6,4' -> {n: 6, m: 4}; a lone 'N' means N,0 as with the compiler flag. */
export function parsePatchableEntry(text: string): PatchableEntry {
  const m = /^(\d+)(?:,(\d+))?$/.exec(text);
  if (m === null) throw new ConfigError(`bad patchable entry "${text}" (want N or N,M)`);
  const n = Number(m[1]);
  const pre = m[2] === undefined ? 0 : Number(m[2]);
  if (pre > n) throw new ConfigError(`bad patchable entry "${text}": M > N`);
  return { n, m: pre };
}

interface Piece {
  readonly kind: CompilerPartKind;
  readonly bytes: readonly number[];
}

function repeat(unit: readonly number[], count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(...unit);
  return out;
}

/**
 * x86 (rules 1, 8-10): M 0x90s before the entry. With kCFI clang puts `mov $hash,%eax`
 * in front, preceded by enough 0x90s that leading + 5 + M is a multiple of 16. A function
 * without a preamble has no mov to make room for: only enough 0x90s before the M that the
 * block reaches a 16-byte boundary ((16 - M mod 16) mod 16: 16 bytes at M = 11 or 16, 32 at
 * 27 or 32, measured on clang-16 objects), and nothing at all when M = 0.
 */
function x86Pieces(m: number, kcfi: CompilerLayoutInput['kcfi']): Piece[] {
  const patch: Piece = { kind: 'patch', bytes: repeat([X86_NOP], m) };
  if (kcfi === null) return [patch];
  if (kcfi.hash === null) {
    return m === 0 ? [patch] : [{ kind: 'cfi-fill', bytes: repeat([X86_NOP], (16 - (m % 16)) % 16) }, patch];
  }
  const leading = (16 - ((5 + m) % 16)) % 16;
  return [
    { kind: 'cfi-fill', bytes: repeat([X86_NOP], leading) },
    { kind: 'kcfi', bytes: kcfiMov(kcfi.hash, kcfi.arity ?? 0) },
    patch,
  ];
}

/** arm64 (rules 11-13): M NOP words; with kCFI the raw hash word sits right before them. */
function arm64Pieces(m: number, kcfi: CompilerLayoutInput['kcfi']): Piece[] {
  const patch: Piece = { kind: 'patch', bytes: repeat(ARM64_NOP, m) };
  if (kcfi === null || kcfi.hash === null) return [patch];
  return [{ kind: 'kcfi', bytes: le32(kcfi.hash) }, patch];
}

export function compilerLayout(input: CompilerLayoutInput): CompilerLayout {
  const pe = input.padded && input.patchable !== null ? input.patchable : { n: 0, m: 0 };
  const pieces = (input.arch === 'x86' ? x86Pieces : arm64Pieces)(pe.m, input.kcfi).filter((p) => p.bytes.length > 0);
  const window = Uint8Array.from(pieces.flatMap((p) => p.bytes));
  const parts: CompilerPart[] = [];
  let at = -window.length;
  for (const p of pieces) {
    parts.push({ kind: p.kind, start: at, end: at + p.bytes.length });
    at += p.bytes.length;
  }
  const atEntry = pe.n - pe.m;
  const entryPrefix =
    input.arch === 'x86'
      ? repeat([X86_NOP], atEntry)
      : [...(input.bti ? ARM64_BTI_C : []), ...repeat(ARM64_NOP, atEntry)];
  return {
    window,
    parts,
    entryPrefix: Uint8Array.from(entryPrefix),
    entryPhase: window.length % input.alignment,
  };
}

/**
 * The compiler input a kernel configuration implies for a traced function: an ordinary one, or
 * one with the facts of `shape` (a static whose address is never taken has no kCFI preamble).
 */
export function compilerInputFor(
  config: Configuration,
  params: PaddingParams,
  shape: Pick<FunctionShape, 'facts'> = ORDINARY_FUNCTION_SHAPE,
): CompilerLayoutInput {
  const o = config.options;
  return {
    arch: config.arch,
    patchable: parsePatchableEntry(config.patchableEntry),
    padded: true,
    alignment: config.alignment,
    kcfi: o.cfiClang
      ? {
          hash: shape.facts.cfi ? params.kcfiHash : null,
          ...(o.arch === 'x86' && o.fineibtBhi ? { arity: params.arity ?? shape.facts.arity } : {}),
        }
      : null,
    bti: o.arch === 'arm64' && o.bti,
  };
}
