import { describe, expect, it } from 'vitest';
import { encodeInsn, nopPattern } from '../../../../model/index.ts';
import { LLVM_MC, disassemble as llvm } from '../../../engine/layout/llvm-mc.ts';
import { disassemble, disassemblyText } from './disasm.ts';

const texts = (arch: 'x86' | 'arm64', bytes: number[]): string[] => disassemble(arch, bytes).map((i) => i.text);

describe('the window disassembler, x86', () => {
  it('five NOPs', () => {
    expect(texts('x86', [0x90, 0x90, 0x90, 0x90, 0x90])).toEqual(['nop', 'nop', 'nop', 'nop', 'nop']);
  });

  it('the md instruction as the model encodes it: movl $index,%eax', () => {
    expect(texts('x86', encodeInsn('x86', 0x1234))).toEqual(['movl $0x1234,%eax']);
    expect(texts('x86', encodeInsn('x86', 0))).toEqual(['movl $0x0,%eax']);
  });

  it('B8..BF name their register; the immediate is little-endian', () => {
    const regs = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
    regs.forEach((r, i) => {
      expect(texts('x86', [0xb8 + i, 0x78, 0x56, 0x34, 0x12])).toEqual([`movl $0x12345678,%${r}`]);
    });
  });

  it('a torn window mid-poke: the opcode in, the immediate still NOPs', () => {
    expect(texts('x86', [0xb8, 0x90, 0x90, 0x90, 0x90])).toEqual(['movl $0x90909090,%eax']);
  });

  it('a truncated movl is data, not an instruction', () => {
    expect(texts('x86', [0x90, 0xb8, 0x00, 0x00, 0x00])).toEqual([
      'nop',
      '.byte 0xb8',
      '.byte 0x00',
      '.byte 0x00',
      '.byte 0x00',
    ]);
  });

  it('endbr64, the FineIBT nopl -42(%rax), int3 fill, unknown bytes', () => {
    expect(texts('x86', [0xf3, 0x0f, 0x1e, 0xfa, 0xcc])).toEqual(['endbr64', 'int3']);
    expect(texts('x86', [0x0f, 0x1f, 0x40, 0xd6, 0x90])).toEqual(['nopl -42(%rax)', 'nop']);
    expect(texts('x86', [0xcc, 0xcc])).toEqual(['int3', 'int3']);
    expect(texts('x86', [0x0f, 0x1f, 0x40, 0x00])).toEqual(['.byte 0x0f', '.byte 0x1f', '.byte 0x40', '.byte 0x00']);
  });

  it('offsets and bytes of each instruction', () => {
    expect(disassemble('x86', [0x90, 0xb8, 1, 0, 0, 0])).toEqual([
      { offset: 0, bytes: [0x90], text: 'nop' },
      { offset: 1, bytes: [0xb8, 1, 0, 0, 0], text: 'movl $0x1,%eax' },
    ]);
  });
});

describe('the window disassembler, arm64', () => {
  it('nop and bti c', () => {
    expect(texts('arm64', nopPattern('arm64'))).toEqual(['nop']);
    expect(texts('arm64', [0x5f, 0x24, 0x03, 0xd5])).toEqual(['bti c']);
  });

  it('the md index word as the model encodes it reads as udf #index', () => {
    const [insn] = disassemble('arm64', encodeInsn('arm64', 7));
    expect(insn).toEqual({ offset: 0, bytes: [7, 0, 0, 0], text: '.word 7', note: 'udf #7' });
    expect(disassemblyText('arm64', encodeInsn('arm64', 0x1234))).toBe('.word 4660 (udf #4660)');
  });

  it('any other word is data, and a stray tail is bytes', () => {
    expect(texts('arm64', [0x3f, 0x23, 0x03, 0xd5, 0x01])).toEqual(['.word 0xd503233f', '.byte 0x01']);
  });
});

// where LLVM's disassembler is installed (CI: .ci/run), the x86 forms read the same by it
describe.skipIf(!LLVM_MC)('the x86 forms agree with llvm-mc', () => {
  const cases: [number[], string][] = [
    [[0x90], 'nop'],
    [[0xcc], 'int3'],
    [[0xb9, 0x34, 0x12, 0, 0], 'movl $4660, %ecx'],
    [[0xf3, 0x0f, 0x1e, 0xfa], 'endbr64'],
    [[0x0f, 0x1f, 0x40, 0xd6], 'nopl -42(%rax)'],
  ];
  it.each(cases)('%j', (bytes, expected) => {
    expect(llvm('x86_64', bytes)).toEqual([expected]);
    const mine = texts('x86', bytes)[0] ?? '';
    // ours prints the immediate in hex as objdump does; llvm-mc in decimal, with a space
    const normal = mine.replace(/\$0x([0-9a-f]+),/, (_m, h: string) => `$${parseInt(h, 16)}, `);
    expect(normal).toBe(expected);
  });
});
