import { describe, expect, it } from 'vitest';
import { allConfigurations, configurationByName, ConfigError, validateOptions } from './index.ts';
import type { Configuration, Occupant } from './index.ts';

const configs = allConfigurations();

/** How many occupants claim each byte of [-paddingBytes, 0). */
function coverCounts(c: Configuration, occupants: readonly Occupant[] = c.occupants): number[] {
  const counts = new Array<number>(c.paddingBytes).fill(0);
  for (const o of occupants) {
    expect(o.start).toBeLessThan(o.end);
    expect(o.start).toBeGreaterThanOrEqual(-c.paddingBytes);
    expect(o.end).toBeLessThanOrEqual(0);
    for (let off = o.start; off < o.end; off++) counts[off + c.paddingBytes]++;
  }
  return counts;
}

/** The spec predicts exactly one overlap: case C, Kconfig reading, FineIBT mode (§4.3). */
function overlapPredicted(c: Configuration): boolean {
  const o = c.options;
  return o.arch === 'x86' && o.cfiMode === 'fineibt' && o.caseCReading === 'kconfig';
}

describe('configuration space', () => {
  it('has enough configurations on both arches', () => {
    expect(configs.filter((c) => c.arch === 'x86').length).toBeGreaterThanOrEqual(6);
    expect(configs.filter((c) => c.arch === 'arm64').length).toBeGreaterThanOrEqual(5);
  });

  it('names are unique and CLI-friendly, and look up to themselves', () => {
    const names = configs.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of configs) {
      expect(c.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9,-]*$/);
      expect(c.name.startsWith(`${c.arch}-`)).toBe(true);
      expect(configurationByName(c.name)).toBe(c);
      expect(c.description).not.toMatch(/\n/);
    }
  });

  it('unknown names throw ConfigError listing the known ones', () => {
    expect(() => configurationByName('x86-Z')).toThrow(ConfigError);
    expect(() => configurationByName('x86-Z')).toThrow(
      /^unknown configuration "x86-Z" \(known: x86-A16, .*arm64-md-1,1/,
    );
  });

  it.each(configs.map((c) => [c.name, c] as const))(
    '%s: occupants cover the padding, overlaps only where predicted',
    (_name, c) => {
      const counts = coverCounts(c);
      expect(counts.every((n) => n >= 1)).toBe(true);
      const sorted = [...c.occupants].sort((a, b) => a.start - b.start || a.end - b.end);
      expect(c.occupants).toEqual(sorted);
      if (overlapPredicted(c)) {
        // under FINEIBT_BHI an ordinary function (two arguments) has its preamble's tail from -7 on
        const end = c.options.arch === 'x86' && c.options.fineibtBhi ? -7 : 0;
        expect(c.overlaps).toEqual([`md [-19,-14) overlaps fineibt [-16,${end})`]);
        expect(counts.filter((n) => n > 1).length).toBe(2);
      } else {
        expect(c.overlaps).toEqual([]);
        expect(counts.every((n) => n === 1)).toBe(true);
      }
    },
  );

  it.each(configs.map((c) => [c.name, c] as const))('%s: md occupant sits at INSN_OFFSET', (_name, c) => {
    const md = c.occupants.filter((o) => o.kind === 'md');
    expect(md).toEqual([{ kind: 'md', start: -c.insnOffset, end: -c.insnOffset + c.insnSize }]);
    expect(c.insnSize).toBe(c.arch === 'x86' ? 5 : 4);
    expect(c.dataOffset).toBe(c.arch === 'x86' ? c.insnOffset - 1 : c.insnOffset);
    expect(validateOptions(c.options)).toEqual({ ok: true, config: c });
  });

  it.each(configs.map((c) => [c.name, c] as const))(
    '%s: every function shape covers the padding, the md window at INSN_OFFSET, overlaps only in the kCFI shape where predicted',
    (_name, c) => {
      for (const s of c.shapes) {
        const counts = coverCounts(c, s.occupants);
        expect(
          counts.every((n) => n >= 1),
          s.name,
        ).toBe(true);
        expect(
          s.occupants.filter((o) => o.kind === 'md'),
          s.name,
        ).toEqual([{ kind: 'md', start: -c.insnOffset, end: -c.insnOffset + c.insnSize }]);
        const predicted = overlapPredicted(c) && s.facts.cfi;
        expect(s.overlaps.length > 0, s.name).toBe(predicted);
        expect(
          counts.every((n) => n === 1),
          s.name,
        ).toBe(!predicted);
        // a shape without a preamble has neither the kCFI mov nor FineIBT; one without calls has no thunk
        if (!s.facts.cfi)
          expect(
            s.occupants.filter((o) => o.kind === 'kcfi' || o.kind === 'fineibt'),
            s.name,
          ).toEqual([]);
        if (!s.facts.directCallDest)
          expect(
            s.occupants.filter((o) => o.kind === 'thunk'),
            s.name,
          ).toEqual([]);
      }
    },
  );
});
