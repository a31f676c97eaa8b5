import { describe, expect, it } from 'vitest';
import { parseElf, R_X86_64_PC32, R_X86_64_PLT32, STT_FUNC } from '../../../impl/elf/index.ts';
import type { ElfFile } from '../../../impl/elf/index.ts';
import { FIXTURES, FUNCTIONS, objectBytes } from '../../../impl/fixtures/catalogue.ts';
import type { FixtureObject } from '../../../impl/fixtures/catalogue.ts';
import { before, entryOf, textOf } from '../../../impl/fixtures/layout.ts';
import type { TextView } from '../../../impl/fixtures/layout.ts';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { callThunksActive, fineibtActive } from '../../../impl/kernel/x86-config.ts';
import {
  X86_ENDBR64,
  X86_POISONED_ENDBR,
  callDepthThunk,
  fineibtPreamble,
} from '../../../impl/kernel/x86-encodings.ts';
import { allConfigurations, shapeOf } from '../../../model/config/index.ts';
import type { Configuration } from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';

// The simulated kernel text against the real objects clang-16 and gcc emit with the kernel's flags
// (impl/fixtures), per function: each function is given the facts the object states about it in
// kernel terms (a `__cfi_` symbol, so an entry in .cfi_sites; the destination of a direct call,
// so a callthunks patch_dest()), and the simulated padding after boot must be the object's
// padding bytes with exactly the kernel's boot rewrites on top: apply_fineibt over the preambles
// of .cfi_sites only, a call-depth thunk at direct-call destinations only.

const THUNK_REL32 = 0x00123456;
/** how much of each function's entry is compared: its first instruction (ENDBR64 or the fentry call) */
const ENTRY_BYTES = 5;

interface Facts {
  readonly name: string;
  readonly entry: number;
  readonly padded: boolean;
  /** the kCFI hash of __cfi_<name>, or null when clang emitted no preamble */
  readonly hash: number | null;
  /** some `call rel32` in the object lands on the entry (relocated, or resolved by the assembler) */
  readonly directCallDest: boolean;
}

function kcfiHashOf(elf: ElfFile, text: TextView, name: string): number | null {
  const cfi = elf.symbol(`__cfi_${name}`);
  if (!cfi) return null;
  const at = Number(cfi.value) + Number(cfi.size) - 5;
  expect(text.bytes[at], `__cfi_${name} ends in movl $hash,%eax`).toBe(0xb8);
  return new DataView(text.bytes.buffer, text.bytes.byteOffset).getUint32(at + 1, true);
}

/** Entries some direct call reaches: relocated calls to a function of .text, and calls the assembler resolved. */
function directCallDests(elf: ElfFile, text: TextView): Set<number> {
  const dests = new Set<number>();
  const relocated = new Set<number>();
  for (const r of elf.relocationsFor(elf.sectionAt(text.index))) {
    const off = Number(r.offset);
    relocated.add(off);
    if (r.type !== R_X86_64_PLT32 && r.type !== R_X86_64_PC32) continue;
    if (text.bytes[off - 1] !== 0xe8 || r.symbol.type !== STT_FUNC || r.symbol.shndx !== text.index) continue;
    dests.add(Number(r.symbol.value + r.addend) + 4);
  }
  const fns = elf
    .symbols()
    .filter((s) => s.type === STT_FUNC && s.shndx === text.index && !s.name.startsWith('__cfi_'));
  const entries = new Set(fns.map((s) => Number(s.value)));
  const view = new DataView(text.bytes.buffer, text.bytes.byteOffset, text.bytes.byteLength);
  for (const s of fns) {
    for (let at = Number(s.value); at + 5 <= Number(s.value + s.size); at++) {
      if (text.bytes[at] !== 0xe8 || relocated.has(at + 1)) continue;
      const dest = at + 5 + view.getInt32(at + 1, true);
      if (entries.has(dest)) dests.add(dest);
    }
  }
  return dests;
}

function factsOf(o: FixtureObject): Facts[] {
  const elf = parseElf(objectBytes(o.name));
  const text = textOf(elf);
  const dests = directCallDests(elf, text);
  return FUNCTIONS.map((f) => {
    const entry = entryOf(elf, f.name);
    return {
      name: f.name,
      entry,
      padded: !f.noPadding,
      hash: kcfiHashOf(elf, text, f.name),
      directCallDest: dests.has(entry),
    };
  });
}

/**
 * FINEIBT_BHI builds with clang's kCFI-arity (-fsanitize-kcfi-arity, clang 21 on), which puts the
 * argument count in the preamble mov's register; clang-16 rejects the flag, so no fixture object
 * can show those bytes. Their layout is checked against the spec's bytes (maps.test.ts,
 * disassembler.test.ts) and the simulation against the model (impl-vs-model.test.ts) instead.
 */
const needsKcfiArity = (c: Configuration): boolean => c.options.arch === 'x86' && c.options.fineibtBhi;

/** The kfmd configurations a fixture object is compiled for (same PB, alignment and CFI_CLANG). */
function configurationsOf(o: FixtureObject): Configuration[] {
  return allConfigurations().filter(
    (c) =>
      c.arch === 'x86' &&
      !needsKcfiArity(c) &&
      c.patchableEntry === `${o.entry[0]},${o.entry[1]}` &&
      c.alignment === o.align &&
      c.options.cfiClang === o.kcfi,
  );
}

const X86_OBJECTS = FIXTURES.filter((o) => o.arch === 'x86' && configurationsOf(o).length > 0);

describe('what the objects say about each function, in kernel terms', () => {
  it('clang: __cfi_ for non-static and address-taken functions only; direct calls reach add and helper_static', () => {
    for (const o of FIXTURES.filter((x) => x.arch === 'x86')) {
      const facts = factsOf(o);
      expect(
        facts.filter((f) => f.directCallDest).map((f) => f.name),
        o.name,
      ).toEqual(['add', 'helper_static']);
      const withPreamble = facts.filter((f) => f.hash !== null).map((f) => f.name);
      expect(withPreamble, o.name).toEqual(
        o.kcfi ? FUNCTIONS.filter((f) => !f.isStatic || f.addressTaken).map((f) => f.name) : [],
      );
    }
  });

  it('-fcf-protection=branch: ENDBR64 at the entry of exactly the indirectly callable functions (gcc and clang)', () => {
    for (const o of FIXTURES.filter((x) => x.arch === 'x86')) {
      const elf = parseElf(objectBytes(o.name));
      const text = textOf(elf);
      const endbr = FUNCTIONS.filter((f) => {
        const e = entryOf(elf, f.name);
        return X86_ENDBR64.every((b, i) => text.bytes[e + i] === b);
      }).map((f) => f.name);
      expect(endbr, o.name).toEqual(FUNCTIONS.filter((f) => !f.isStatic || f.addressTaken).map((f) => f.name));
    }
  });

  it('every x86 kfmd configuration has its object', () => {
    const covered = new Set(X86_OBJECTS.flatMap((o) => configurationsOf(o).map((c) => c.name)));
    const uncovered = allConfigurations().filter((c) => c.arch === 'x86' && !covered.has(c.name));
    expect(uncovered.filter((c) => !needsKcfiArity(c))).toEqual([]);
    expect(uncovered.length, 'the FINEIBT_BHI configurations').toBe(4);
  });
});

describe('simulated text = real object bytes + the kernel boot rewrites, per function', () => {
  for (const o of X86_OBJECTS) {
    for (const config of configurationsOf(o)) {
      it(`${o.name} as ${config.name}`, () => {
        const elf = parseElf(objectBytes(o.name));
        const text = textOf(elf);
        const facts = factsOf(o).filter((f) => f.padded);
        const kernel = createKernel({
          options: config.options,
          functions: facts.map((f) => ({
            name: f.name,
            padded: true,
            ...(f.hash === null ? { cfi: false } : { kcfiHash: f.hash }),
            directCallDest: f.directCallDest,
            thunkRel32: THUNK_REL32,
            // the object's first instruction bytes at the entry (ENDBR64 where there is one)
            body: [...text.bytes.subarray(f.entry, f.entry + ENTRY_BYTES)],
          })),
        });
        const opts = config.options;
        if (opts.arch !== 'x86') throw new Error('x86 only');
        const mismatches: string[] = [];
        for (const f of facts) {
          const placed = kernel.fn(f.name);
          const length = placed.ip - placed.blockStart;
          const expected = [...before(text, f.entry, length), ...text.bytes.subarray(f.entry, f.entry + ENTRY_BYTES)];
          // what the kernel's boot code writes over the compiler's bytes
          if (fineibtActive(opts) && f.hash !== null)
            expected.splice(length - 16, 16, ...fineibtPreamble(opts.fineibtEncoding, f.hash));
          if (callThunksActive(opts) && f.directCallDest)
            expected.splice(length - 9, 9, ...callDepthThunk(THUNK_REL32));
          // poison_endbr over the function's own ENDBR, in FineIBT mode, for .cfi_sites entries
          if (fineibtActive(opts) && f.hash !== null) expected.splice(length, 4, ...X86_POISONED_ENDBR);
          const simulated = [...kernel.mem.peekBytes(placed.blockStart, length + ENTRY_BYTES)];
          // and the model's byte map of ip+0..ip+3 says the same, where it fixes them
          const atBoot = shapeOf(config, { cfi: f.hash !== null, directCallDest: f.directCallDest }).entryAtBoot;
          if (atBoot && hex([...atBoot.bytes]) !== hex(simulated.slice(length, length + 4)))
            mismatches.push(`${f.name}: model's ip+0..3 ${atBoot.what} ${hex([...atBoot.bytes])}`);
          if (hex(simulated) !== hex(expected))
            mismatches.push(`${f.name}: simulated ${hex(simulated)}\n  object+boot ${hex(expected)}`);
          if ((f.entry - length) % o.align !== 0) mismatches.push(`${f.name}: real block not ${o.align}-aligned`);
          if (placed.cfi !== (opts.cfiClang && f.hash !== null)) mismatches.push(`${f.name}: cfi ${placed.cfi}`);
        }
        expect(mismatches).toEqual([]);
      });
    }
  }

  it('the no-preamble static is 16 × 0x90 at PB 11 and 32 × 0x90 at PB 27, and FineIBT leaves it alone', () => {
    const sizes = X86_OBJECTS.filter((o) => o.kcfi).map((o) => {
      const config = configurationsOf(o).find((c) => c.name.includes('fineibt-kconfig') || c.name === 'x86-B-kcfi');
      if (!config) throw new Error(o.name);
      const kernel = createKernel({
        options: config.options,
        functions: [{ name: 'helper_static', padded: true, cfi: false }],
      });
      const f = kernel.fn('helper_static');
      const bytes = [...kernel.mem.peekBytes(f.blockStart, f.ip - f.blockStart)];
      expect(bytes.every((b) => b === 0x90)).toBe(true);
      return `${config.name} ${bytes.length}`;
    });
    expect(sizes).toEqual(['x86-B-kcfi 16', 'x86-C-fineibt-kconfig 32']);
  });
});
