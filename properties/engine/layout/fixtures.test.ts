import { describe, expect, it } from 'vitest';
import { parseElf } from '../../../impl/elf/index.ts';
import { FIXTURES, FUNCTIONS, objectBytes } from '../../../impl/fixtures/catalogue.ts';
import type { FixtureFunction, FixtureObject } from '../../../impl/fixtures/catalogue.ts';
import { before, entryOf, textOf } from '../../../impl/fixtures/layout.ts';
import { compilerLayout } from '../../../model/config/index.ts';
import type { CompilerLayoutInput } from '../../../model/config/index.ts';

// The model's compiler rule (model/config/compiler-layout.ts) against the real objects gcc,
// clang-16 and aarch64-gcc emit with the kernel's flags (impl/fixtures): for every function of
// every object, the bytes the rule says precede the entry are the bytes that do, the block
// before the entry starts aligned, and the entry begins with what the rule puts there.

/** clang emits __cfi_<fn> for every non-static function and for address-taken statics (rule 9). */
const hasPreamble = (f: FixtureFunction): boolean => !f.isStatic || f.addressTaken;

/**
 * gcc's BTI landing pad: only functions that may be called indirectly get one, and a function
 * that signs its return address (pac-ret, a non-leaf) starting with paciasp needs none, since
 * paciasp is itself a landing pad; with NOPs at the entry (N > M) `bti c` comes first again.
 */
const getsBtiC = (o: FixtureObject, f: FixtureFunction): boolean =>
  o.bti && hasPreamble(f) && (f.leaf || o.entry[0] > o.entry[1]);

function inputFor(o: FixtureObject, f: FixtureFunction, hash: number | null): CompilerLayoutInput {
  return {
    arch: o.arch,
    patchable: { n: o.entry[0], m: o.entry[1] },
    padded: !f.noPadding,
    alignment: o.align,
    kcfi: o.kcfi ? { hash: hasPreamble(f) ? hash : null } : null,
    bti: getsBtiC(o, f),
  };
}

/** The hash clang put in __cfi_<fn>: the imm32 of its `movl $hash,%eax`. */
function kcfiHash(o: FixtureObject, name: string): number | null {
  if (!o.kcfi) return null;
  const elf = parseElf(objectBytes(o.name));
  const cfi = elf.symbol(`__cfi_${name}`);
  if (!cfi) return null;
  const text = textOf(elf);
  const at = Number(cfi.value) + Number(cfi.size) - 5;
  expect(text.bytes[at]).toBe(0xb8);
  return new DataView(text.bytes.buffer, text.bytes.byteOffset).getUint32(at + 1, true);
}

describe('the compiler rule against real objects (impl/fixtures)', () => {
  for (const o of FIXTURES) {
    it(`${o.name}: every function's pre-entry bytes, alignment and entry prefix are the rule's`, () => {
      const elf = parseElf(objectBytes(o.name));
      const text = textOf(elf);
      const mismatches: string[] = [];
      for (const f of FUNCTIONS) {
        const hash = kcfiHash(o, f.name);
        // the preamble is there exactly where rule 9 says
        if (o.kcfi) expect(hash !== null, `${o.name} ${f.name}: __cfi_`).toBe(hasPreamble(f));
        const layout = compilerLayout(inputFor(o, f, hash));
        const entry = entryOf(elf, f.name);
        const real = before(text, entry, layout.window.length);
        if (real.join() !== [...layout.window].join())
          mismatches.push(`${f.name}: window ${real.join(' ')} vs rule ${[...layout.window].join(' ')}`);
        if (layout.window.length > 0 && (entry - layout.window.length) % o.align !== 0)
          mismatches.push(`${f.name}: block at ${entry - layout.window.length} not ${o.align}-aligned`);
        const prefix = Array.from(text.bytes.subarray(entry, entry + layout.entryPrefix.length));
        if (prefix.join() !== [...layout.entryPrefix].join())
          mismatches.push(`${f.name}: entry ${prefix.join(' ')} vs rule ${[...layout.entryPrefix].join(' ')}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('covers every layout family: gcc case A, clang kCFI B and C, arm64 with and without CALL_OPS and BTI', () => {
    expect(FIXTURES).toHaveLength(17);
    // clang's no-preamble rule at M = 16 and 32, the counts no kernel configuration uses
    expect(FIXTURES.filter((o) => o.kcfi).map((o) => o.entry[1])).toEqual([11, 27, 16, 32]);
    expect(new Set(FIXTURES.map((o) => `${o.arch}/${o.kcfi}/${o.bti}`))).toEqual(
      new Set(['x86/false/false', 'x86/true/false', 'arm64/false/false', 'arm64/false/true']),
    );
    expect(FUNCTIONS.filter((f) => f.isStatic && !f.addressTaken)).not.toHaveLength(0);
  });
});
