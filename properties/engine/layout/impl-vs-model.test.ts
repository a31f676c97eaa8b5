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

describe('implementation text = model byte map, every configuration', () => {
  for (const config of allConfigurations()) {
    it(config.name, () => {
      const { kcfiHash, thunkRel32 } = DEFAULT_PADDING_PARAMS;
      const tail = config.arch === 'x86' ? TAIL_X86 : TAIL_ARM64;
      const kernel = createKernel({
        options: config.options,
        functions: [
          ...['a', 'b', 'c'].map((name) => ({ name, padded: true, kcfiHash, thunkRel32 })),
          { name: 'asm', padded: false, tail },
        ],
      });
      // the CALL_OPS literal points at the kernel's own ftrace_nop_ops
      const ops = kernel.staticAddr('ftrace_nop_ops');
      const params = {
        kcfiHash,
        thunkRel32,
        callOpsLiteral: ops === undefined ? DEFAULT_PADDING_PARAMS.callOpsLiteral : BigInt(ops),
      };
      const layout = compilerLayout(compilerInputFor(config, params));
      for (const f of kernel.functions.filter((x) => x.padded)) {
        const padding = [...kernel.mem.peekBytes(f.ip - config.paddingBytes, config.paddingBytes)];
        expect(hex(padding), `${f.name}: ip-${config.paddingBytes}..ip`).toBe(hex([...paddingImage(config, params)]));
        const entry = [...kernel.mem.peekBytes(f.ip, layout.entryPrefix.length)];
        expect(hex(entry), `${f.name}: at the entry`).toBe(hex([...layout.entryPrefix]));
        expect((f.ip - (kernel.textBase % config.alignment)) % config.alignment, `${f.name}: entry phase`).toBe(
          layout.entryPhase,
        );
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
