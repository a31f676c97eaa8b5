import { describe, expect, it } from 'vitest';
import { DEFAULT_PADDING_PARAMS, allConfigurations, paddingImage } from '../../../model/config/index.ts';
import type { Configuration, FunctionShape, Occupant, OccupantKind } from '../../../model/config/index.ts';
import { encodeInsn } from '../../../model/index.ts';
import { must } from '../core/must.ts';
import { LLVM_MC, disassemble } from './llvm-mc.ts';

/**
 * Every padding byte map, with an md instruction installed, read back by a
 * real disassembler (LLVM's llvm-mc, installed by .ci/run from Debian): the
 * model's encoder and maps must decode to exactly the instructions each
 * occupant stands for, starting at the first padding byte.
 */
const INDEX = 0x1234;

/** kCFI-arity's register per argument count (only FINEIBT_BHI builds encode it; plain kCFI is %eax). */
const ARITY_REGISTER = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

type Mnemonics = (c: Configuration, s: FunctionShape, o: Occupant) => string[];

const bhi = (c: Configuration): boolean => c.options.arch === 'x86' && c.options.fineibtBhi;

const X86_MNEMONICS: Record<Exclude<OccupantKind, 'callops'>, Mnemonics> = {
  md: () => [`movl $${INDEX}, %eax`],
  kcfi: (c, s) => [`movl $${DEFAULT_PADDING_PARAMS.kcfiHash}, %${ARITY_REGISTER[bhi(c) ? s.facts.arity : 0]}`],
  nop: () => ['nop'],
  thunk: () => ['sarq $5, %gs:'],
  fineibt: (c, _s, o) => {
    const enc = c.options.arch === 'x86' ? c.options.fineibtEncoding : 'feb2025';
    if (o.end - o.start < 16) return ['endbr64', 'subl $']; // the BHI tail follows
    if (enc === 'pre2025') return ['endbr64', 'subl $', 'je 3', 'ud2', 'nop'];
    if (enc === 'later') return ['endbr64', 'subl $', 'nopl -42(%eax)', 'jne -3'];
    return ['endbr64', 'subl $', 'jne -7', 'nopl (%rax)'];
  },
  // the cs prefixes are there in the bytes; llvm-mc does not print them
  bhi: (_c, s) => (s.facts.arity === 1 ? ['cmovneq %r10, %rdi', 'jne 3'] : ['callq']),
};

function expectedX86(config: Configuration, shape: FunctionShape): string[] {
  return shape.occupants.flatMap((o) => {
    const one = X86_MNEMONICS[o.kind as Exclude<OccupantKind, 'callops'>](config, shape, o);
    return o.kind === 'nop' ? Array.from({ length: o.end - o.start }, () => one[0]) : one;
  });
}

function installed(config: Configuration, shape: FunctionShape = must(config.shapes[0], 'a shape')): number[] {
  const image = [...paddingImage(config, DEFAULT_PADDING_PARAMS, shape)];
  const at = config.paddingBytes - config.insnOffset;
  image.splice(at, config.insnSize, ...encodeInsn(config.arch, INDEX));
  return image;
}

describe.skipIf(!LLVM_MC && process.env['CI'] !== 'true')('byte maps read back by llvm-mc', () => {
  it('llvm-mc is installed (CI installs it; locally: apt-get install llvm-16)', () => {
    expect(LLVM_MC).toBeDefined();
  });

  for (const config of allConfigurations().filter((c) => c.arch === 'x86' && c.overlaps.length === 0))
    for (const shape of config.shapes.filter((_s, i) => i === 0 || bhi(config))) {
      it(`${config.name} (${shape.name}): ${shape.occupants.map((o) => o.kind).join(' ')}`, () => {
        const lines = disassemble('x86_64', installed(config, shape));
        const expected = expectedX86(config, shape);
        expect(lines.length).toBe(expected.length);
        lines.forEach((line, i) =>
          expect(line.replace(/\s+/g, ' ').startsWith(expected[i]), `${line} vs ${expected[i]}`).toBe(true),
        );
      });
    }

  it('the overlapping case C (Kconfig reading, FineIBT) does not decode as an md instruction at ip-19', () => {
    const config = must(
      allConfigurations().find((c) => c.overlaps.length > 0),
      'a configuration with an overlap',
    );
    const image = [...paddingImage(config)];
    const window = image.slice(
      config.paddingBytes - config.insnOffset,
      config.paddingBytes - config.insnOffset + config.insnSize,
    );
    const lines = disassemble('x86_64', window, true);
    expect(lines).toEqual(['nop', 'nop', 'nop']); // then F3 0F: the start of the FineIBT endbr64, cut off
  });

  for (const config of allConfigurations().filter((c) => c.arch === 'arm64')) {
    it(`${config.name}: every word before the CALL_OPS literal`, () => {
      const literal = config.occupants.find((o) => o.kind === 'callops');
      const bytes = installed(config).slice(0, literal ? literal.start + config.paddingBytes : config.paddingBytes);
      const expected = config.occupants
        .filter((o) => o.kind !== 'callops')
        .flatMap((o) =>
          Array.from({ length: (o.end - o.start) / 4 }, () => (o.kind === 'md' ? `udf #${INDEX}` : 'nop')),
        );
      expect(disassemble('aarch64', bytes)).toEqual(expected);
    });
  }
});
