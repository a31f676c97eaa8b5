import { describe, expect, it } from 'vitest';
import { aarch64InsnIsBti } from '../../../impl/arch/arm64-ftrace.ts';
import { parseElf } from '../../../impl/elf/index.ts';
import type { ElfFile } from '../../../impl/elf/index.ts';
import { FIXTURES, FUNCTIONS, objectBytes } from '../../../impl/fixtures/catalogue.ts';
import type { FixtureFunction, FixtureObject } from '../../../impl/fixtures/catalogue.ts';
import { A64_BTI_C, A64_NOP, A64_PACIASP, entryOf, textOf, wordsAt } from '../../../impl/fixtures/layout.ts';
import type { TextView } from '../../../impl/fixtures/layout.ts';
import { kfmd } from '../../../impl/kfmd/store.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { runSequential } from '../../../impl/kernel/run.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { compilerLayout, configurationByName, ftraceCallSiteOf } from '../../../model/config/index.ts';
import type { Implementation } from '../../../impl/contract/index.ts';

// I10 against the real aarch64-gcc objects (impl/fixtures): for every function of every arm64
// fixture, the model's BL site (the second NOP after the entry, behind `bti c`) is the real second
// NOP after the entry in the real bytes, and v4's ftrace_call_adjust, run on the real .text from
// the real __patchable_function_entries records, misses it exactly where a `bti c` sits at ip+0
// (D13, spec §5). gcc's landing pads, as the objects show them: `bti c` on every function but the
// non-address-taken static; where no NOP follows the entry (N == M: no ftrace site) a non-leaf
// starts with `paciasp` instead, itself a landing pad and not a BTI instruction. With NOPs at the
// entry `bti c` always comes first, so the BTI probe never meets `paciasp` where ftrace has a site.

const ARM64 = FIXTURES.filter((o) => o.arch === 'arm64');

/** clang/gcc: non-static or address-taken functions may be called indirectly (real-layouts rule 9). */
const indirect = (f: FixtureFunction): boolean => !f.isStatic || f.addressTaken;

/** gcc's `bti c` at the entry (as properties/engine/layout/fixtures.test.ts states the rule). */
const getsBtiC = (o: FixtureObject, f: FixtureFunction): boolean =>
  o.bti && indirect(f) && (f.leaf || o.entry[0] > o.entry[1]);

/** The model's BL site of a fixture function, from the bytes the compiler rule puts at its entry. */
function modelSite(o: FixtureObject, f: FixtureFunction): number | null {
  return ftraceCallSiteOf(
    compilerLayout({
      arch: 'arm64',
      patchable: { n: o.entry[0], m: o.entry[1] },
      padded: !f.noPadding,
      alignment: o.align,
      kcfi: null,
      bti: getsBtiC(o, f),
    }),
  );
}

/** The real site, read off the object's bytes: after a landing pad at the entry, two NOPs, the BL goes in the second. */
function realSite(text: TextView, entry: number): number | null {
  const [first] = wordsAt(text, entry, 1);
  const at = first === A64_BTI_C || first === A64_PACIASP ? entry + 4 : entry;
  const [a, b] = wordsAt(text, at, 2);
  return a === A64_NOP && b === A64_NOP ? at + 4 - entry : null;
}

/** .text offsets __patchable_function_entries records (R_AARCH64_ABS64 .text + addend). */
function records(elf: ElfFile): Set<number> {
  return new Set(
    elf
      .relocations()
      .filter((r) => r.section.name === '.rela__patchable_function_entries')
      .flatMap((r) => r.relocations)
      .map((r) => Number(r.addend)),
  );
}

interface Row {
  readonly fn: string;
  readonly model: number | null;
  readonly real: number | null;
  readonly btiAtEntry: boolean;
  /** ftrace_call_adjust(rec->ip) - ip of v4 and of kfmd on the real text */
  readonly v4: number;
  readonly kfmd: number;
}

function run(op: Op<Addr>, kernel: Parameters<typeof runSequential>[0]): Addr {
  const r = runSequential(kernel, op);
  if (!r.ok) throw new Error(r.deadlock);
  return r.value;
}

/** Every padded function of a fixture, its real record loaded with the real .text into the simulated kernel. */
function rowsOf(o: FixtureObject): Row[] {
  const elf = parseElf(objectBytes(o.name));
  const text = textOf(elf);
  const recs = records(elf);
  const m = o.entry[1];
  const padded = FUNCTIONS.filter((f) => !f.noPadding);
  const functions = padded.map((f) => {
    const entry = entryOf(elf, f.name);
    expect(recs.has(entry - 4 * m), `${o.name} ${f.name}: a record at entry-${4 * m}`).toBe(true);
    return { name: f.name, ip: entry, padded: true, blockStart: entry - 4 * m, patchableEntry: entry - 4 * m };
  });
  const options = configurationByName(o.name).options;
  const kernel = createKernel({ options, functions: [], image: { bytes: text.bytes, functions } });
  const adjustOf = (impl: Implementation) => {
    const adjust = impl.create(kernel).ftraceCallAdjust;
    if (!adjust) throw new Error(`${impl.name} offers no ftrace_call_adjust on ${o.name}`);
    return adjust;
  };
  const [v4Adjust, kfmdAdjust] = [adjustOf(v4), adjustOf(kfmd)];
  return padded.map((f) => {
    const placed = kernel.fn(f.name);
    const rec = placed.patchableEntry ?? 0;
    const entry = entryOf(elf, f.name);
    return {
      fn: f.name,
      model: modelSite(o, f),
      real: realSite(text, entry),
      btiAtEntry: wordsAt(text, entry, 1)[0] === A64_BTI_C,
      v4: run(v4Adjust(rec), kernel) - placed.ip,
      kfmd: run(kfmdAdjust(rec), kernel) - placed.ip,
    };
  });
}

describe('I10 against the real aarch64-gcc objects', () => {
  for (const o of ARM64) {
    const ftrace = o.entry[0] - o.entry[1] >= 2;
    it(`${o.name}: the model's BL site is the real second NOP after every entry${ftrace ? '; v4 misses it exactly behind bti c' : ' (none: no ftrace NOPs)'}`, () => {
      const rows = rowsOf(o);
      expect(rows).toHaveLength(FUNCTIONS.filter((f) => !f.noPadding).length);
      expect(rows.map((r) => [r.fn, r.model])).toEqual(rows.map((r) => [r.fn, r.real]));
      if (!ftrace) {
        expect(rows.every((r) => r.model === null)).toBe(true);
        return;
      }
      // the model's site is where the real bytes put it: ip+8 behind `bti c`, else ip+4
      expect(rows.map((r) => [r.fn, r.real])).toEqual(rows.map((r) => [r.fn, r.btiAtEntry ? 8 : 4]));
      // kfmd lands on it everywhere; v4 lands on ip+4 everywhere, so it is wrong exactly behind `bti c`
      expect(rows.map((r) => [r.fn, r.kfmd])).toEqual(rows.map((r) => [r.fn, r.real]));
      expect(rows.map((r) => [r.fn, r.v4])).toEqual(rows.map((r) => [r.fn, 4]));
      const wrong = rows.filter((r) => r.v4 !== r.real).map((r) => r.fn);
      expect(wrong).toEqual(rows.filter((r) => r.btiAtEntry).map((r) => r.fn));
      expect(wrong.length > 0).toBe(o.bti);
    });
  }

  it('v4 is wrong on every function with a landing pad of the three BTI objects with ftrace NOPs, and only there', () => {
    const wrong = ARM64.flatMap((o) =>
      rowsOf(o).flatMap((r) => (r.model !== null && r.v4 !== r.model ? [`${o.name} ${r.fn}`] : [])),
    );
    const expected = ARM64.filter((o) => o.bti && o.entry[0] - o.entry[1] >= 2).flatMap((o) =>
      FUNCTIONS.filter((f) => !f.noPadding && indirect(f)).map((f) => `${o.name} ${f.name}`),
    );
    expect(wrong).toEqual(expected);
    // the non-address-taken static gets no `bti c`: there v4's ip+4 is right
    expect(expected.some((e) => e.endsWith('helper_static'))).toBe(false);
    expect(wrong).toHaveLength(3 * 6);
  });

  it('paciasp is a landing pad but not a BTI instruction, and sits at an entry only where there is no ftrace site', () => {
    expect(aarch64InsnIsBti(A64_PACIASP)).toBe(false);
    expect(aarch64InsnIsBti(A64_BTI_C)).toBe(true);
    for (const o of ARM64.filter((x) => x.bti)) {
      const elf = parseElf(objectBytes(o.name));
      const text = textOf(elf);
      const withPac = FUNCTIONS.filter((f) => wordsAt(text, entryOf(elf, f.name), 1)[0] === A64_PACIASP).map(
        (f) => f.name,
      );
      const ftrace = o.entry[0] - o.entry[1] >= 2;
      expect(withPac, o.name).toEqual(ftrace ? [] : FUNCTIONS.filter((f) => !f.leaf && indirect(f)).map((f) => f.name));
    }
  });
});
