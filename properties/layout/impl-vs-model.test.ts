import { describe, expect, it } from 'vitest';
import { createKernel } from '../../impl/kernel/kernel.ts';
import { DEFAULT_PADDING_PARAMS, allConfigurations, paddingImage } from '../../model/config/index.ts';
import { hex } from '../../model/index.ts';

/**
 * The implementation lays text out from the kernel options with its own
 * arithmetic; the model's byte maps come from the spec. Both are tied to the
 * compiler dumps elsewhere (real-dumps.test.ts ties the model); here every
 * padding byte the implementation boots with must equal the model's map.
 */
describe('implementation text = model byte map, every configuration', () => {
  for (const config of allConfigurations()) {
    it(config.name, () => {
      const { kcfiHash, thunkRel32 } = DEFAULT_PADDING_PARAMS;
      const kernel = createKernel({
        options: config.options,
        functions: ['a', 'b', 'c'].map((name) => ({ name, padded: true, kcfiHash, thunkRel32 })),
      });
      for (const f of kernel.functions) {
        const actual = [...kernel.mem.peekBytes(f.ip - config.paddingBytes, config.paddingBytes)];
        // the CALL_OPS literal points at a per-kernel static: take its value from the text, check the rest
        const literal = config.occupants.some((o) => o.kind === 'callops')
          ? new DataView(Uint8Array.from(actual.slice(-8)).buffer).getBigUint64(0, true)
          : DEFAULT_PADDING_PARAMS.callOpsLiteral;
        const expected = [...paddingImage(config, { kcfiHash, thunkRel32, callOpsLiteral: literal })];
        expect(hex(actual), `${f.name} ip-${config.paddingBytes}..ip`).toBe(hex(expected));
        expect(f.ip % 4).toBe(0);
      }
    });
  }
});
