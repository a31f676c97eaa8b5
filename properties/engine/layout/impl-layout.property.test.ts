import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import type { Kernel } from '../../../impl/kernel/kernel.ts';
import type { FunctionSpec } from '../../../impl/kernel/spec.ts';
import {
  DEFAULT_PADDING_PARAMS,
  allConfigurations,
  compilerInputFor,
  compilerLayout,
  paddingImage,
  ORDINARY_FUNCTION,
  shapeOf,
} from '../../../model/config/index.ts';
import type { CompilerLayoutInput, Configuration, FunctionShape, OccupantKind } from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';

/**
 * impl-vs-model.test.ts checks three fixed functions; here the simulated compiler,
 * assembler and boot code must follow the model's rules for any list of functions:
 * padding = paddingImage, entry = compilerLayout, the pre-entry block aligned
 * (real-layouts.md rules 2 and 12), each function's tail right before its block,
 * explicit bodies at the entry, and nothing but minimal NOP filler in between.
 */

const ARM64_NOP = [0x1f, 0x20, 0x03, 0xd5];
const ARM64_RET = [0xc0, 0x03, 0x5f, 0xd6];
const X86_RET = 0xc3;

/**
 * The x86 NOPs an assembler pads with (real-layouts.md rule 3, Intel SDM "Recommended
 * Multi-Byte Sequence of NOP Instruction"): 90, 66 90, the 0f 1f /0 forms with a zero
 * displacement (3..9 bytes), and the 10+ byte form gas and clang build by stacking 66
 * prefixes and a cs (2e) prefix on the 8-byte one (gcc dumps show 66 66 2e ..., clang
 * up to 15 bytes). Nothing else, so a wrong byte inside the filler is caught.
 */
const NOPL = [0x0f, 0x1f];
const X86_NOPS: readonly (readonly number[])[] = [
  [0x90],
  [0x66, 0x90],
  [...NOPL, 0x00],
  [...NOPL, 0x40, 0x00],
  [...NOPL, 0x44, 0x00, 0x00],
  [0x66, ...NOPL, 0x44, 0x00, 0x00],
  [...NOPL, 0x80, 0, 0, 0, 0],
  [...NOPL, 0x84, 0x00, 0, 0, 0, 0],
  [0x66, ...NOPL, 0x84, 0x00, 0, 0, 0, 0],
  ...[1, 2, 3, 4, 5, 6].map((k) => [...new Array<number>(k).fill(0x66), 0x2e, ...NOPL, 0x84, 0x00, 0, 0, 0, 0]),
];

function startsWith(bytes: readonly number[], prefix: readonly number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

/** x86 instruction boundaries are unambiguous, so at most one NOP form matches at each point. */
function isX86Filler(bytes: readonly number[]): boolean {
  for (let at = 0; at < bytes.length;) {
    const nop = X86_NOPS.find((n) => at + n.length <= bytes.length && startsWith(bytes, n, at));
    if (nop === undefined) return false;
    at += nop.length;
  }
  return true;
}

function isArm64Filler(bytes: readonly number[]): boolean {
  return bytes.length % 4 === 0 && bytes.every((b, i) => b === ARM64_NOP[i % 4]);
}

/**
 * Can `code` be read as a body that `isBody` accepts, then `glue`, then filler shorter
 * than `limit`? Filler must be minimal: alignment never needs a whole unit of it.
 */
function bodyThenFiller(
  code: readonly number[],
  isBody: (b: readonly number[]) => boolean,
  glue: readonly number[],
  limit: number,
  isFiller: (b: readonly number[]) => boolean,
): boolean {
  for (let k = Math.max(0, code.length - glue.length - limit + 1); k <= code.length; k++) {
    if (!isBody(code.slice(0, k)) || !startsWith(code, glue, k)) continue;
    const filler = code.slice(k + glue.length);
    if (filler.length < limit && isFiller(filler)) return true;
  }
  return false;
}

/** Per-arch conventions, all from the FunctionSpec docs (impl/kernel/spec.ts) and the dumps. */
function archRules(arch: 'x86' | 'arm64') {
  return arch === 'x86'
    ? {
        defaultTail: [] as readonly number[],
        // nothing closes an x86 image: the last body ends with its own ret
        endGlue: [] as readonly number[],
        // the default body is "a tiny add+ret"
        isDefaultBody: (b: readonly number[]) => b.length > 0 && b[b.length - 1] === X86_RET,
        isFiller: isX86Filler,
      }
    : {
        defaultTail: ARM64_RET,
        // the last function gets the same default `ret` the next one would have brought as its tail
        endGlue: ARM64_RET,
        isDefaultBody: (b: readonly number[]) => b.length > 0 && b.length % 4 === 0,
        isFiller: isArm64Filler,
      };
}

/**
 * The compiler input for one function. Unpadded means a top-level asm() function on x86
 * (no __cfi_ preamble: hash null) and a patchable_function_entry(0,0) C function on arm64
 * (clang still emits its hash word, real-layouts.md "notrace_fn (=4,2)").
 */
function inputFor(config: Configuration, padded: boolean, kcfiHash: number, shape: FunctionShape): CompilerLayoutInput {
  const input = compilerInputFor(config, { ...DEFAULT_PADDING_PARAMS, kcfiHash }, shape);
  if (padded) return input;
  const kcfi = input.kcfi !== null && config.arch === 'x86' ? { hash: null } : input.kcfi;
  return { ...input, padded: false, kcfi };
}

/** Offset of an occupant in the padding, from the model's byte map of the function's shape. */
function occupantStart(shape: FunctionShape, kind: OccupantKind): number | undefined {
  return shape.occupants.find((o) => o.kind === kind)?.start;
}

/** The model's shape for a function spec's facts (FunctionSpec.cfi / directCallDest default true). */
function shapeOfSpec(config: Configuration, spec: FunctionSpec): FunctionShape {
  return shapeOf(config, {
    cfi: spec.cfi ?? true,
    directCallDest: spec.directCallDest ?? true,
    arity: spec.arity ?? 2,
  });
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const byte = fc.integer({ min: 0, max: 0xff });

function functionsArbitrary(arch: 'x86' | 'arm64'): fc.Arbitrary<FunctionSpec[]> {
  const code = (minUnits: number, maxUnits: number) =>
    arch === 'x86'
      ? fc.array(byte, { minLength: minUnits, maxLength: maxUnits })
      : fc
          .array(fc.array(byte, { minLength: 4, maxLength: 4 }), { minLength: minUnits, maxLength: maxUnits })
          .map((w) => w.flat());
  // each optional field absent about half of the time: the defaults are what most mutants change
  const fn = fc.record(
    {
      padded: fc.boolean(),
      body: arch === 'x86' ? code(1, 40) : code(1, 6),
      tail: arch === 'x86' ? code(0, 20) : code(0, 4),
      kcfiHash: u32,
      thunkRel32: u32,
      // clang's __cfi_ preamble (absent on a static whose address is never taken), a direct-call destination
      cfi: fc.boolean(),
      directCallDest: fc.boolean(),
      // FINEIBT_BHI: kCFI-arity's argument count, and the __bhi_args call's rel32
      arity: fc.integer({ min: 0, max: 7 }),
      bhiCallRel32: u32,
    },
    { requiredKeys: ['padded'] },
  );
  return fc.array(fn, { minLength: 1, maxLength: 6 }).map((fns) => fns.map((f, i) => ({ name: `f${i}`, ...f })));
}

/** The layout checks (numbered 1-7 below) for one booted kernel and the specs it was built from. */
function checkText(config: Configuration, specs: readonly FunctionSpec[], kernel: Kernel): void {
  const rules = archRules(config.arch);
  const align = config.alignment;
  const base = kernel.textBase;
  const text = kernel.initialText;
  const at = (addr: number, n: number): number[] => [...text.subarray(addr - base, addr - base + n)];
  expect(kernel.functions.map((f) => f.name)).toEqual(specs.map((s) => s.name));
  // the image starts and ends on a 64-byte boundary (cache-line aligned section)
  expect(base % 64).toBe(0);
  expect(kernel.textSize % 64, 'text size').toBe(0);

  // The hash a function gets when its spec gives none: read from the kCFI mov, the same for all.
  const defaultHashes = new Set<number>();
  // The call-depth thunk ends at ip; its rel32 sits 4 bytes into it.
  const depthTargets = new Set<number>();
  const ops = kernel.staticAddr('ftrace_nop_ops');
  const callOpsLiteral = ops === undefined ? DEFAULT_PADDING_PARAMS.callOpsLiteral : BigInt(ops);

  let prevEnd = base; // end of what is known to belong to the previous function
  let prevBody: ((b: readonly number[]) => boolean) | null = () => true; // whatever leads the image
  let prevIp = -Infinity;
  specs.forEach((spec, i) => {
    const f = kernel.functions[i];
    const shape = shapeOfSpec(config, spec);
    const name = `${f.name} ${f.padded ? `padded, ${shape.name}` : 'unpadded'}`;
    const kcfiAt = occupantStart(shape, 'kcfi');
    const thunkAt = occupantStart(shape, 'thunk');
    const bhiAt = occupantStart(shape, 'bhi');
    expect(f.ip, `${name}: ips increase`).toBeGreaterThan(prevIp);
    let hash = spec.kcfiHash ?? DEFAULT_PADDING_PARAMS.kcfiHash;
    if (spec.kcfiHash === undefined && spec.padded && kcfiAt !== undefined) {
      hash = new DataView(text.buffer, text.byteOffset + f.ip + kcfiAt + 1 - base, 4).getUint32(0, true);
      defaultHashes.add(hash);
    }
    const layout = compilerLayout(inputFor(config, spec.padded, hash, shape));
    const blockStart = f.ip - layout.window.length;
    const tail = spec.tail ?? rules.defaultTail;
    const tailStart = blockStart - tail.length;
    expect(f.blockStart, `${f.name}: blockStart (where the pre-entry block begins)`).toBe(blockStart);

    // 1. the padding, as the model's boot image
    if (spec.padded) {
      expect(layout.window.length, 'model: the window is the padding').toBe(config.paddingBytes);
      let thunkRel32 = spec.thunkRel32 ?? DEFAULT_PADDING_PARAMS.thunkRel32;
      if (spec.thunkRel32 === undefined && thunkAt !== undefined) {
        thunkRel32 = new DataView(text.buffer, text.byteOffset + f.ip + thunkAt + 4 - base, 4).getUint32(0, true);
        // 7. RIP-relative: the operand resolves to ip + rel32 (the thunk ends at ip)
        depthTargets.add((f.ip + thunkRel32) % 2 ** 32);
      }
      let bhiCallRel32 = spec.bhiCallRel32 ?? DEFAULT_PADDING_PARAMS.bhiCallRel32 ?? 0;
      if (spec.bhiCallRel32 === undefined && bhiAt !== undefined && (spec.arity ?? 2) >= 2) {
        bhiCallRel32 = new DataView(text.buffer, text.byteOffset + f.ip + bhiAt + 3 - base, 4).getUint32(0, true);
      }
      const arity = shape.name.includes('arity') ? { arity: spec.arity ?? 2 } : {};
      const image = [
        ...paddingImage(config, { kcfiHash: hash, thunkRel32, callOpsLiteral, bhiCallRel32, ...arity }, shape),
      ];
      expect(f.cfi, `${name}: in .cfi_sites`).toBe(shape.facts.cfi);
      expect(hex(at(blockStart, config.paddingBytes)), `${name}: padding`).toBe(hex(image));
    } else {
      expect(hex(at(blockStart, layout.window.length)), `${name}: pre-entry window`).toBe(hex([...layout.window]));
    }
    // 2. the entry, and the block start aligned (the model gives the entry's phase). Unpadded
    // functions too: kernel asm uses SYM_FUNC_START's ALIGN, notrace C -falign-functions.
    const prefix = [...layout.entryPrefix];
    expect(hex(at(f.ip, prefix.length)), `${name}: entry prefix`).toBe(hex(prefix));
    expect((f.ip - base) % align, `${name}: entry phase`).toBe(layout.entryPhase);
    // 3. the previous function's last bytes right before the block
    expect(tailStart, `${name}: no overlap with the previous function`).toBeGreaterThanOrEqual(prevEnd);
    expect(hex(at(tailStart, tail.length)), `${name}: tail`).toBe(hex(tail));
    // 6. between the previous body and this tail: filler only, shorter than the alignment
    const gap = at(prevEnd, tailStart - prevEnd);
    if (prevBody === null) {
      expect(gap.length < align && rules.isFiller(gap), `${name}: filler ${hex(gap)}`).toBe(true);
    } else {
      expect(bodyThenFiller(gap, prevBody, [], align, rules.isFiller), `${name}: body + filler ${hex(gap)}`).toBe(true);
    }
    // 4. an explicit body right after the entry prefix; the default one's length is not ours to know
    const bodyStart = f.ip + prefix.length;
    if (spec.body !== undefined) {
      expect(hex(at(bodyStart, spec.body.length)), `${name}: body`).toBe(hex(spec.body));
      prevEnd = bodyStart + spec.body.length;
      prevBody = null;
    } else {
      prevEnd = bodyStart;
      prevBody = rules.isDefaultBody;
    }
    prevIp = f.ip;
  });

  // 6. after the last body: (arm64: a closing ret, then) filler up to the 64-byte end
  const end = at(prevEnd, base + kernel.textSize - prevEnd);
  const lastBody = prevBody ?? ((b: readonly number[]) => b.length === 0);
  expect(bodyThenFiller(end, lastBody, rules.endGlue, 64, rules.isFiller), `end of text: ${hex(end)}`).toBe(true);
  expect(defaultHashes.size, 'one default kCFI hash').toBeLessThanOrEqual(1);
  expect(depthTargets.size, 'thunks of every function reach the same per-cpu variable').toBeLessThanOrEqual(1);
}

describe('implementation text follows the model for any function list', () => {
  for (const config of allConfigurations()) {
    it(config.name, () => {
      fc.assert(
        fc.property(functionsArbitrary(config.arch), (functions) => {
          checkText(config, functions, createKernel({ options: config.options, functions }));
        }),
        { seed: 42, numRuns: 40 },
      );
    });
  }

  // The default body is int add(int,int) (lea (%rdi,%rsi),%eax; ret), so its kCFI hash is
  // clang's for that prototype: the model's default (real-layouts.md rule 8).
  it('the default kCFI hash is the int(int,int) hash', () => {
    const le = [0, 8, 16, 24].map((s) => (DEFAULT_PADDING_PARAMS.kcfiHash >>> s) & 0xff);
    for (const config of allConfigurations()) {
      const kcfiAt = occupantStart(shapeOf(config, ORDINARY_FUNCTION), 'kcfi');
      if (kcfiAt === undefined) continue;
      const kernel = createKernel({ options: config.options, functions: [{ name: 'add', padded: true }] });
      // kCFI-arity (FINEIBT_BHI builds) names int add(int, int)'s two arguments: %edx
      const mov = config.options.arch === 'x86' && config.options.fineibtBhi ? 0xba : 0xb8;
      expect(hex([...kernel.mem.peekBytes(kernel.fn('add').ip + kcfiAt, 5)]), config.name).toBe(hex([mov, ...le]));
    }
  });
});
