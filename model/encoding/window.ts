import { ARM64_INSN_SIZE, ARM64_NOP_WORD, arm64Nops, decodeArm64Word, encodeArm64 } from './arm64.ts';
import { X86_INSN_SIZE, X86_NOP, decodeX86Index, encodeX86, x86Nops } from './x86.ts';

export type Arch = 'x86' | 'arm64';

/** What a metadata window holds, read with the model's decoder. */
export type DecodedWindow =
  { readonly kind: 'nops' } | { readonly kind: 'insn'; readonly index: number } | { readonly kind: 'foreign' };

/** KFUNC_MD_INSN_SIZE */
export function insnSize(arch: Arch): number {
  return arch === 'x86' ? X86_INSN_SIZE : ARM64_INSN_SIZE;
}

/** kfunc_md_arch_pretend(insn, index) */
export function encodeInsn(arch: Arch, index: number): number[] {
  return arch === 'x86' ? encodeX86(index) : encodeArm64(index);
}

/** kfunc_md_arch_nops(insn) */
export function nopPattern(arch: Arch): number[] {
  return arch === 'x86' ? x86Nops() : arm64Nops();
}

/**
 * Strict decoding: x86 windows are NOPs only if all five bytes are 0x90 and an
 * instruction only if they start with B8; arm64 words are NOPs or raw indices
 * (every other word reads as an index, which is what the hardware format allows).
 * Stricter than kfunc_md_arch_exist, which on x86 tests the opcode byte alone.
 */
export function decodeWindow(arch: Arch, bytes: readonly number[]): DecodedWindow {
  if (arch === 'x86') {
    if (bytes.length === X86_INSN_SIZE && bytes.every((b) => b === X86_NOP)) return { kind: 'nops' };
    const index = decodeX86Index(bytes);
    return index === null ? { kind: 'foreign' } : { kind: 'insn', index };
  }
  const word = decodeArm64Word(bytes);
  if (word === null) return { kind: 'foreign' };
  return word === ARM64_NOP_WORD ? { kind: 'nops' } : { kind: 'insn', index: word };
}

export function sameBytes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
