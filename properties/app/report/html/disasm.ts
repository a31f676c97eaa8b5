/**
 * A tiny disassembler for exactly what md windows hold: the md instruction, padding NOPs, the
 * kCFI/FineIBT fragments a window can overlap, and int3 fill. Anything else is shown as data,
 * so a torn or foreign window is never dressed up as code it is not.
 */
import type { Arch } from '../../../../model/encoding/window.ts';

export interface Insn {
  /** byte offset in the window */
  readonly offset: number;
  readonly bytes: readonly number[];
  readonly text: string;
  /** what the word means to kfmd (arm64: the md index word reads as `udf #index`) */
  readonly note?: string;
}

const X86_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa] as const;
/** nopl -42(%rax): the FineIBT (2025 "later" encoding) filler */
const NOPL_D6 = [0x0f, 0x1f, 0x40, 0xd6] as const;

const ARM64_NOP = 0xd503201f;
const ARM64_BTI_C = 0xd503245f;
/** UDF #imm16: every word below 0x10000; v4 stores the md index as such a raw word */
const ARM64_UDF_LIMIT = 0x10000;

export function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function startsWith(bytes: readonly number[], at: number, seq: readonly number[]): boolean {
  return seq.every((b, i) => bytes[at + i] === b);
}

function le32(bytes: readonly number[], at: number): number {
  return (
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0
  );
}

function x86(bytes: readonly number[]): Insn[] {
  const out: Insn[] = [];
  let i = 0;
  const take = (n: number, text: string): void => {
    out.push({ offset: i, bytes: bytes.slice(i, i + n), text });
    i += n;
  };
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b === 0x90) take(1, 'nop');
    else if (b === 0xcc) take(1, 'int3');
    else if (b >= 0xb8 && b <= 0xbf && i + 5 <= bytes.length)
      take(5, `movl $0x${le32(bytes, i + 1).toString(16)},%${X86_REGS[b - 0xb8] ?? 'eax'}`);
    else if (startsWith(bytes, i, ENDBR64)) take(4, 'endbr64');
    else if (startsWith(bytes, i, NOPL_D6)) take(4, 'nopl -42(%rax)');
    else take(1, `.byte 0x${hex2(b)}`);
  }
  return out;
}

function arm64(bytes: readonly number[]): Insn[] {
  const out: Insn[] = [];
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    const word = le32(bytes, i);
    const at = { offset: i, bytes: bytes.slice(i, i + 4) };
    if (word === ARM64_NOP) out.push({ ...at, text: 'nop' });
    else if (word === ARM64_BTI_C) out.push({ ...at, text: 'bti c' });
    else if (word < ARM64_UDF_LIMIT) out.push({ ...at, text: `.word ${word}`, note: `udf #${word}` });
    else out.push({ ...at, text: `.word 0x${word.toString(16).padStart(8, '0')}` });
  }
  // a window is whole words on arm64; a stray tail is data
  for (; i < bytes.length; i++) out.push({ offset: i, bytes: [bytes[i] ?? 0], text: `.byte 0x${hex2(bytes[i] ?? 0)}` });
  return out;
}

export function disassemble(arch: Arch, bytes: readonly number[]): Insn[] {
  return arch === 'x86' ? x86(bytes) : arm64(bytes);
}

/** One line per instruction, `; ` between them: how a window reads in a table cell. */
export function disassemblyText(arch: Arch, bytes: readonly number[]): string {
  return disassemble(arch, bytes)
    .map((i) => (i.note ? `${i.text} (${i.note})` : i.text))
    .join('; ');
}
