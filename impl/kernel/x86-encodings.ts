import type { FineIbtEncoding } from './options.ts';
import { u32le } from './le.ts';

/** x86 byte encodings the simulated compiler, assembler and boot code emit. */

/** BYTES_NOP1 */
export const X86_NOP = 0x90;
/** `mov $imm32, %eax`: the kCFI preamble and the kfunc_md instruction share this opcode. */
export const X86_MOV_EAX = 0xb8;

/** Multi-byte NOPs the assembler uses as alignment filler, indexed by length (gas/clang style). */
const FILLER_NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/**
 * Alignment filler of exactly n bytes as gas emits it: the longest NOPs first, the odd-sized
 * piece last (real-layouts.md, "no padding, gcc A=16": a 12-byte gap is 11 bytes + `90`).
 */
export function x86Filler(n: number): number[] {
  const max = FILLER_NOPS.length - 1;
  const out: number[] = [];
  for (let i = 0; i < Math.floor(n / max); i++) out.push(...FILLER_NOPS[max]);
  out.push(...FILLER_NOPS[n % max]);
  return out;
}

/**
 * The kCFI preamble clang emits at the __cfi_<name> symbol: `mov $hash, %eax` (CONFIG_CFI_CLANG);
 * clang's kCFI-arity (what FINEIBT_BHI builds with) names the argument count's register instead,
 * %eax for 0 up to %edi for 7, opcodes B8..BF.
 */
export function kcfiPreamble(hash: number, arity = 0): number[] {
  if (!Number.isInteger(arity) || arity < 0 || arity > 7) throw new RangeError(`kCFI arity must be 0..7, got ${arity}`);
  return [X86_MOV_EAX + arity, ...u32le(hash)];
}

/** fineibt_preamble_bhi: the offset in the preamble where FINEIBT_BHI's per-arity tail starts. */
export const FINEIBT_BHI_OFFSET = 9;

/**
 * What cfi_fineibt_bhi_preamble() writes from preamble offset 9 for a function with arguments:
 * for one, the inline `cs cmovne; jne ip+3` (the sequence runs on through ip+3 with the
 * `nopl -42(%rax)` whose D6 byte that jne lands in, the bytes poison_endbr already put there,
 * spec §4.1); for two to seven, `cs cs call __bhi_args[arity]`.
 */
export function fineibtBhiTail(arity: number, callRel32: number): number[] {
  if (arity === 1) return [0x2e, 0x49, 0x0f, 0x45, 0xfa, 0x75, 0x03];
  return [0x2e, 0x2e, 0xe8, ...u32le(callRel32)];
}

/**
 * The 16-byte FineIBT preamble that boot writes at ip-16, in the chosen historical encoding:
 * alternative.c's fineibt_preamble_start template, copied by apply_fineibt().
 */
export function fineibtPreamble(encoding: FineIbtEncoding, hash: number): number[] {
  const endbr = X86_ENDBR64;
  const h = u32le(hash);
  if (encoding === 'pre2025') return [...endbr, 0x41, 0x81, 0xea, ...h, 0x74, 0x03, 0x0f, 0x0b, 0x90];
  if (encoding === 'feb2025') return [...endbr, 0x41, 0x81, 0xea, ...h, 0x75, 0xf9, 0x0f, 0x1f, 0x00];
  return [...endbr, 0x2d, ...h, 0x67, 0x0f, 0x1f, 0x40, 0xd6, 0x75, 0xfd];
}

/**
 * INCREMENT_CALL_DEPTH, `sarq $5, %gs:__x86_call_depth(%rip)` with a RIP-relative operand: 9 bytes
 * (callthunks.c's skl_call_thunk_template).
 */
export function callDepthThunk(rel32: number): number[] {
  return [0x65, 0x48, 0xc1, 0x3d, ...u32le(rel32), 0x05];
}
/** SKL_TMPL_SIZE */
export const CALL_DEPTH_THUNK_SIZE = 9;

/** ENDBR64, what is_endbr() recognises: -fcf-protection=branch (X86_KERNEL_IBT) starts every indirectly callable function with it. */
export const X86_ENDBR64: readonly number[] = [0xf3, 0x0f, 0x1e, 0xfa];
/** What FineIBT boot (poison_endbr) writes over a function's own ENDBR: `nopl -42(%rax)`, so a direct jump to ip is no IBT target. */
export const X86_POISONED_ENDBR: readonly number[] = [0x0f, 0x1f, 0x40, 0xd6];

/** Default function body: `lea (%rdi,%rsi),%eax; ret`. */
export const X86_DEFAULT_BODY: readonly number[] = [0x8d, 0x04, 0x37, 0xc3];
/** Default kCFI type hash: clang's hash for int(int,int). */
export const DEFAULT_KCFI_HASH = 0x56e5b5a5;
/** The default body is int add(int, int): two arguments (what kCFI-arity encodes, %edx). */
export const DEFAULT_ARITY = 2;
