/**
 * Byte encodings of the things that live in function padding (spec §4.1 and §5).
 * Everything is returned in address order, little-endian.
 */
import type { FineIbtEncoding } from './options.ts';
import { ConfigError } from './configuration.ts';

/** BYTES_NOP1 */
export const X86_NOP = 0x90;
/** A64 `nop` (0xd503201f, aarch64_insn_gen_nop()) as it sits in memory. */
export const ARM64_NOP: readonly number[] = [0x1f, 0x20, 0x03, 0xd5];
/** A64 `bti c` (0xd503245f) as it sits in memory. */
export const ARM64_BTI_C: readonly number[] = [0x5f, 0x24, 0x03, 0xd5];
/** ENDBR64, what is_endbr() recognises */
export const X86_ENDBR64: readonly number[] = [0xf3, 0x0f, 0x1e, 0xfa];
/** poison_endbr's `nopl -42(%rax)`: what FineIBT boot writes over a function's own ENDBR (spec §4.1) */
export const X86_POISONED_ENDBR: readonly number[] = [0x0f, 0x1f, 0x40, 0xd6];

/** Four bytes LE; accepts u32 or i32 (rel32 displacements are signed). */
export function le32(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff) {
    throw new ConfigError(`not a 32-bit value: ${value}`);
  }
  const u = value >>> 0;
  return [u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24];
}

export function le64(value: bigint): number[] {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
    throw new ConfigError(`not a 64-bit value: ${value}`);
  }
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((value >> (8n * i)) & 0xffn));
  return out;
}

/**
 * kCFI preamble `movl $hash,%reg` at __cfi_<name>: plain kCFI uses %eax (B8); clang's kCFI-arity
 * puts the argument count in the register (eax=0 .. edi=7 arguments), opcodes B8..BF.
 */
export function kcfiMov(hash: number, arity = 0): number[] {
  if (!Number.isInteger(arity) || arity < 0 || arity > 7) throw new ConfigError(`kCFI arity must be 0..7: ${arity}`);
  return [0xb8 + arity, ...le32(hash)];
}

/**
 * The FINEIBT_BHI arity-1 sequence over preamble offsets 9..15, `cs cmovne; jne ip+3` (spec §4.1;
 * llvm-mc reads the cmovne as `cmovneq %r10, %rdi`: REX.WB names %r10, though the spec's prose says %rax).
 */
export const X86_BHI1_TAIL: readonly number[] = [0x2e, 0x49, 0x0f, 0x45, 0xfa, 0x75, 0x03];

/**
 * The FINEIBT_BHI tail over preamble offsets 9..15: for one argument the inline arity-1 sequence,
 * for two or more `cs cs call __bhi_args[arity]` (rel32 from the end of the call, i.e. from ip).
 */
export function fineibtBhiTail(arity: number, callRel32: number): number[] {
  if (!Number.isInteger(arity) || arity < 1 || arity > 7)
    throw new ConfigError(`BHI tail arity must be 1..7: ${arity}`);
  return arity === 1 ? [...X86_BHI1_TAIL] : [0x2e, 0x2e, 0xe8, ...le32(callRel32)];
}

/** Call-depth thunk INCREMENT_CALL_DEPTH, `sarq $5, %gs:__x86_call_depth(%rip)`, RIP-relative form, 9 bytes. */
export function callDepthThunk(rel32: number): number[] {
  return [0x65, 0x48, 0xc1, 0x3d, ...le32(rel32), 0x05];
}

/**
 * The 16-byte FineIBT preamble (fineibt_preamble_start) that apply_fineibt() writes over the last
 * 16 padding bytes at boot.
 */
export function fineibtPreamble(encoding: FineIbtEncoding, hash: number): number[] {
  const h = le32(hash);
  switch (encoding) {
    case 'pre2025': // sub $hash,%r10d; je +3; ud2; nop
      return [...X86_ENDBR64, 0x41, 0x81, 0xea, ...h, 0x74, 0x03, 0x0f, 0x0b, 0x90];
    case 'feb2025': // sub $hash,%r10d; jne back into the EA byte; nop3
      return [...X86_ENDBR64, 0x41, 0x81, 0xea, ...h, 0x75, 0xf9, 0x0f, 0x1f, 0x00];
    case 'later': // sub $hash,%eax; nopl -42(%eax); jne into the D6 byte
      return [...X86_ENDBR64, 0x2d, ...h, 0x67, 0x0f, 0x1f, 0x40, 0xd6, 0x75, 0xfd];
  }
}
