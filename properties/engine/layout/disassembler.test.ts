import { describe, expect, it } from 'vitest';
import { DEFAULT_PADDING_PARAMS, allConfigurations, paddingImage } from '../../../model/config/index.ts';
import type { Configuration, OccupantKind } from '../../../model/config/index.ts';
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

const X86_MNEMONICS: Record<Exclude<OccupantKind, 'callops'>, (c: Configuration) => string[]> = {
  md: () => [`movl $${INDEX}, %eax`],
  kcfi: () => [`movl $${DEFAULT_PADDING_PARAMS.kcfiHash}, %eax`],
  nop: () => ['nop'],
  thunk: () => ['sarq $5, %gs:'],
  fineibt: (c) => {
    const enc = c.options.arch === 'x86' ? c.options.fineibtEncoding : 'feb2025';
    if (enc === 'pre2025') return ['endbr64', 'subl $', 'je 3', 'ud2', 'nop'];
    if (enc === 'later') return ['endbr64', 'subl $', 'nopl -42(%eax)', 'jne -3'];
    return ['endbr64', 'subl $', 'jne -7', 'nopl (%rax)'];
  },
};

function expectedX86(config: Configuration): string[] {
  return config.occupants.flatMap((o) => {
    const one = X86_MNEMONICS[o.kind as Exclude<OccupantKind, 'callops'>](config);
    return o.kind === 'nop' ? Array.from({ length: o.end - o.start }, () => one[0]) : one;
  });
}

function installed(config: Configuration): number[] {
  const image = [...paddingImage(config)];
  const at = config.paddingBytes - config.insnOffset;
  image.splice(at, config.insnSize, ...encodeInsn(config.arch, INDEX));
  return image;
}

describe.skipIf(!LLVM_MC && process.env['CI'] !== 'true')('byte maps read back by llvm-mc', () => {
  it('llvm-mc is installed (CI installs it; locally: apt-get install llvm-16)', () => {
    expect(LLVM_MC).toBeDefined();
  });

  for (const config of allConfigurations().filter((c) => c.arch === 'x86' && c.overlaps.length === 0)) {
    it(`${config.name}: ${config.occupants.map((o) => o.kind).join(' ')}`, () => {
      const lines = disassemble('x86_64', installed(config));
      const expected = expectedX86(config);
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
