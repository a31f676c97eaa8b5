import { describe, expect, it } from 'vitest';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import { arm64 } from '../../../impl/testing/fixtures.ts';
import { compilerLayout } from '../../../model/config/index.ts';
import type { CompilerLayoutInput } from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';
import { must } from '../core/must.ts';

/**
 * FUNCTION_METADATA depends on !CFI_CLANG, so an arm64 CFI kernel is plain mainline:
 * -fpatchable-function-entry=4,2 with CALL_OPS (which selects 8-byte alignment), =2,0
 * with WITH_ARGS, no flag otherwise (spec kfunc_md.md §5, "Mainline without metadata").
 * The model has no Configuration for these, so the expected bytes come straight from
 * compilerLayout with that flag; at boot CALL_OPS points the literal at ip-8 at
 * ftrace_nop_ops.
 */
const CASES = [
  { callOps: false, withArgs: false, patchable: null },
  { callOps: false, withArgs: true, patchable: { n: 2, m: 0 } },
  { callOps: true, withArgs: true, patchable: { n: 4, m: 2 } },
] as const;

const FUNCTIONS = [
  { name: 'a', padded: true, kcfiHash: 0x56e5b5a5 },
  { name: 'b', padded: true, kcfiHash: 0x0005_0794, tail: [] },
  // patchable_function_entry(0,0): no NOPs, but clang still emits the hash word
  { name: 'notrace', padded: false, kcfiHash: 0xa540670c },
  { name: 'c', padded: true, kcfiHash: 0xc48c3d9d, body: [0x20, 0x00, 0x00, 0x0b, 0xc0, 0x03, 0x5f, 0xd6] },
];

function le64(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(value), true);
  return [...new Uint8Array(view.buffer)];
}

describe('arm64 CFI_CLANG kernel (no kfunc_md) = mainline compiler layout', () => {
  for (const { callOps, withArgs, patchable } of CASES) {
    for (const bti of [false, true]) {
      it(`${patchable === null ? 'no flag' : `=${patchable.n},${patchable.m}`}${bti ? ' bti' : ''}`, () => {
        const kernel = createKernel({
          options: arm64({ cfiClang: true, callOps, withArgs, alignment8b: callOps, bti }),
          functions: FUNCTIONS,
        });
        const at = (addr: number, n: number): string => hex([...kernel.mem.peekBytes(addr, n)]);
        for (const spec of FUNCTIONS) {
          const f = kernel.fn(spec.name);
          const input: CompilerLayoutInput = {
            arch: 'arm64',
            patchable,
            padded: spec.padded,
            alignment: callOps ? 8 : 4,
            kcfi: { hash: spec.kcfiHash },
            bti,
          };
          const layout = compilerLayout(input);
          const window = [...layout.window];
          if (callOps && spec.padded)
            window.splice(-8, 8, ...le64(must(kernel.staticAddr('ftrace_nop_ops'), 'ftrace_nop_ops')));
          expect(at(f.ip - window.length, window.length), `${spec.name}: window`).toBe(hex(window));
          expect(at(f.ip, layout.entryPrefix.length), `${spec.name}: entry`).toBe(hex([...layout.entryPrefix]));
          // nothing more at the entry: the body follows the prefix directly
          if (spec.body)
            expect(at(f.ip + layout.entryPrefix.length, spec.body.length), `${spec.name}: body`).toBe(hex(spec.body));
          expect((f.ip - kernel.textBase) % input.alignment, `${spec.name}: entry phase`).toBe(layout.entryPhase);
        }
      });
    }
  }
});
