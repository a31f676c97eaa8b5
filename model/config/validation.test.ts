import { describe, expect, it } from 'vitest';
import { allConfigurations, allOptions, validateOptions } from './index.ts';
import type { Arm64Options, KernelOptions, X86Options } from './index.ts';

const X86_BASE: X86Options = {
  arch: 'x86',
  cfiClang: false,
  callThunks: false,
  fineibt: false,
  cfiMode: 'off',
  thunksActive: false,
  functionAlignment: 16,
  caseCReading: 'kconfig',
  fineibtEncoding: 'feb2025',
  fineibtBhi: false,
};
const CASE_C: X86Options = { ...X86_BASE, cfiClang: true, callThunks: true, cfiMode: 'kcfi', functionAlignment: 32 };
const ARM_BASE: Arm64Options = {
  arch: 'arm64',
  cfiClang: false,
  withArgs: true,
  callOps: true,
  alignment8b: true,
  bti: false,
};

function reason(o: KernelOptions): string {
  const v = validateOptions(o);
  if (v.ok) throw new Error(`expected a rejection, got ${v.config.name}`);
  return v.reason;
}

describe('rejections (one line each, Kconfig reason or "not modelled")', () => {
  const cases: [string, KernelOptions, string | RegExp][] = [
    ['FINEIBT without CFI_CLANG', { ...X86_BASE, fineibt: true }, 'FINEIBT depends on CFI_CLANG'],
    ['cfi=kcfi without CFI_CLANG', { ...X86_BASE, cfiMode: 'kcfi' }, /^cfiMode 'kcfi' needs CFI_CLANG/],
    ['cfi=fineibt without FINEIBT', { ...CASE_C, cfiMode: 'fineibt' }, /^cfiMode 'fineibt' needs FINEIBT built in/],
    ['cfi=off with CFI_CLANG', { ...CASE_C, cfiMode: 'off' }, /^cfiMode 'off' with CFI_CLANG is modelled as 'kcfi'/],
    ['thunksActive without CALL_THUNKS', { ...X86_BASE, thunksActive: true }, /^thunksActive needs CALL_THUNKS/],
    [
      'FineIBT mode with thunks active',
      { ...CASE_C, fineibt: true, cfiMode: 'fineibt', thunksActive: true },
      /^not modelled: call-depth thunks together with FineIBT mode/,
    ],
    [
      'case C at 16B',
      { ...CASE_C, functionAlignment: 16 },
      'FUNCTION_METADATA selects FUNCTION_ALIGNMENT_32B if (CFI_CLANG && CALL_THUNKS) || FINEIBT',
    ],
    [
      'case C (FineIBT only) at 16B',
      { ...CASE_C, callThunks: false, fineibt: true, functionAlignment: 16 },
      /^FUNCTION_METADATA selects FUNCTION_ALIGNMENT_32B/,
    ],
    ['case C at 64B', { ...CASE_C, functionAlignment: 64 }, /^not modelled: case C with FUNCTION_ALIGNMENT 64/],
    [
      'case B at 32B',
      { ...CASE_C, callThunks: false, functionAlignment: 32 },
      /^not modelled: case B .* FUNCTION_ALIGNMENT 32/,
    ],
    [
      'case B at 64B',
      { ...CASE_C, callThunks: false, functionAlignment: 64 },
      /^not modelled: case B .* FUNCTION_ALIGNMENT 64/,
    ],
    ['reading outside case C', { ...X86_BASE, caseCReading: 'intent' }, /^caseCReading only matters in case C/],
    [
      'encoding outside FineIBT mode',
      { ...CASE_C, fineibtEncoding: 'later' },
      /^fineibtEncoding only matters with cfiMode 'fineibt'/,
    ],
    ['FINEIBT_BHI booted kcfi', { ...CASE_C, fineibt: true, fineibtBhi: true }, /^fineibtBhi needs cfiMode 'fineibt'/],
    [
      'FINEIBT_BHI with the feb2025 preamble',
      { ...CASE_C, fineibt: true, cfiMode: 'fineibt', callThunks: false, fineibtBhi: true },
      /^fineibtBhi needs fineibtEncoding 'later'/,
    ],
    ['arm64 CFI_CLANG', { ...ARM_BASE, cfiClang: true }, 'FUNCTION_METADATA depends on !CFI_CLANG'],
    [
      'arm64 CALL_OPS without 8B',
      { ...ARM_BASE, alignment8b: false },
      'DYNAMIC_FTRACE_WITH_CALL_OPS selects FUNCTION_ALIGNMENT_8B',
    ],
    [
      'arm64 CALL_OPS without WITH_ARGS',
      { ...ARM_BASE, withArgs: false },
      /^DYNAMIC_FTRACE_WITH_CALL_OPS needs DYNAMIC_FTRACE_WITH_ARGS/,
    ],
  ];

  it.each(cases)('%s', (_title, options, expected) => {
    const r = reason(options);
    expect(r).not.toMatch(/\n/);
    if (typeof expected === 'string') expect(r).toBe(expected);
    else expect(r).toMatch(expected);
  });

  it('an alignment outside the Kconfig choices is refused, not crashed on', () => {
    const bad = JSON.parse(JSON.stringify({ ...X86_BASE, functionAlignment: 8 })) as X86Options;
    expect(reason(bad)).toMatch(/^FUNCTION_ALIGNMENT must be 16, 32 or 64/);
  });

  it('the bases themselves are valid', () => {
    expect(validateOptions(X86_BASE).ok).toBe(true);
    expect(validateOptions(CASE_C).ok).toBe(true);
    expect(validateOptions(ARM_BASE).ok).toBe(true);
  });
});

describe('option space', () => {
  it('validateOptions accepts exactly the options of allConfigurations()', () => {
    const listed = new Map(allConfigurations().map((c) => [JSON.stringify(c.options), c.name]));
    let valid = 0;
    for (const o of allOptions()) {
      const v = validateOptions(o);
      const key = JSON.stringify(o);
      if (v.ok) {
        valid++;
        expect(listed.get(key)).toBe(v.config.name);
      } else {
        expect(listed.has(key)).toBe(false);
        expect(v.reason.length).toBeGreaterThan(0);
      }
    }
    expect(valid).toBe(allConfigurations().length);
  });
});
