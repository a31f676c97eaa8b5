import { describe, expect, it } from 'vitest';
import { createKernel } from '../../../impl/kernel/kernel.ts';
import {
  DEFAULT_PADDING_PARAMS,
  allConfigurations,
  compilerInputFor,
  compilerLayout,
  paddingImage,
} from '../../../model/config/index.ts';
import { hex } from '../../../model/index.ts';

/**
 * The implementation lays text out from the kernel options with its own
 * arithmetic; the model's byte maps come from the spec and the compiler
 * rules (tied to the real dumps in real-dumps.test.ts). Here the booted text
 * must match the model byte for byte: the padding, what sits at the entry,
 * the alignment, and the bytes before a function without padding.
 */
const TAIL_X86 = [0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00];
const TAIL_ARM64 = [0x07, 0x00, 0x00, 0x00, 0xc0, 0x03, 0x5f, 0xd6];

describe('implementation text = model byte map, every configuration and every function shape', () => {
  for (const config of allConfigurations()) {
    it(config.name, () => {
      const { kcfiHash, thunkRel32 } = DEFAULT_PADDING_PARAMS;
      const bhiCallRel32 = 0x00654321;
      const tail = config.arch === 'x86' ? TAIL_X86 : TAIL_ARM64;
      // one function per shape of the configuration (spec §4.4 X5): with and without a kCFI
      // preamble, a direct-call destination or not, with the same facts on the implementation side
      const kernel = createKernel({
        options: config.options,
        functions: [
          ...config.shapes.flatMap((s) =>
            ['a', 'b'].map((n) => ({
              name: `${s.name}.${n}`,
              padded: true,
              kcfiHash,
              thunkRel32,
              cfi: s.facts.cfi,
              directCallDest: s.facts.directCallDest,
              arity: s.facts.arity,
              bhiCallRel32,
            })),
          ),
          { name: 'asm', padded: false, tail },
        ],
      });
      // the CALL_OPS literal points at the kernel's own ftrace_nop_ops
      const ops = kernel.staticAddr('ftrace_nop_ops');
      const params = {
        kcfiHash,
        thunkRel32,
        bhiCallRel32,
        callOpsLiteral: ops === undefined ? DEFAULT_PADDING_PARAMS.callOpsLiteral : BigInt(ops),
      };
      for (const shape of config.shapes) {
        const layout = compilerLayout(compilerInputFor(config, params, shape));
        for (const f of kernel.functions.filter((x) => x.padded && x.name.startsWith(`${shape.name}.`))) {
          const padding = [...kernel.mem.peekBytes(f.ip - config.paddingBytes, config.paddingBytes)];
          expect(hex(padding), `${f.name}: ip-${config.paddingBytes}..ip`).toBe(
            hex([...paddingImage(config, params, shape)]),
          );
          expect(f.blockStart, `${f.name}: the block is the padding`).toBe(f.ip - config.paddingBytes);
          expect(f.cfi, `${f.name}: in .cfi_sites`).toBe(shape.facts.cfi);
          const entry = [...kernel.mem.peekBytes(f.ip, layout.entryPrefix.length)];
          expect(hex(entry), `${f.name}: at the entry`).toBe(hex([...layout.entryPrefix]));
          expect((f.ip - (kernel.textBase % config.alignment)) % config.alignment, `${f.name}: entry phase`).toBe(
            layout.entryPhase,
          );
        }
      }
      const asm = kernel.fn('asm');
      expect(hex([...kernel.mem.peekBytes(asm.ip - tail.length, tail.length)]), 'bytes before the unpadded entry').toBe(
        hex(tail),
      );
      const unpadded = compilerLayout({ ...compilerInputFor(config, params), padded: false });
      expect(hex([...kernel.mem.peekBytes(asm.ip, unpadded.entryPrefix.length)]), 'unpadded entry').toBe(
        hex([...unpadded.entryPrefix]),
      );
      expect(asm.ip % 4).toBe(0);
    });
  }
});
