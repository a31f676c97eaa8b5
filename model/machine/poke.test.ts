import { describe, expect, it } from 'vitest';
import { decideInstall, decideRestore } from './poke.ts';

const nops = [0x90, 0x90, 0x90, 0x90, 0x90];
const insn = [0xb8, 1, 0, 0, 0];

describe('text-poke decision table (spec §2.4)', () => {
  it('install: already equal → nothing, 0', () =>
    expect(decideInstall(insn, insn, nops)).toEqual({ action: 'none', result: 0 }));
  it('install: NOPs → write, 0', () =>
    expect(decideInstall(nops, insn, nops)).toEqual({ action: 'write', bytes: insn, result: 0 }));
  it('install: anything else → -EBUSY', () => {
    expect(decideInstall([0xb8, 2, 0, 0, 0], insn, nops).result).toBe('EBUSY');
    expect(decideInstall([0xcc, 0xcc, 0xcc, 0xcc, 0xcc], insn, nops).result).toBe('EBUSY');
  });
  it('restore: NOPs → nothing', () => expect(decideRestore(nops, nops)).toEqual({ action: 'none', result: 0 }));
  it('restore: anything else → write NOPs unconditionally', () =>
    expect(decideRestore([0xcc, 1, 2, 3, 4], nops)).toEqual({ action: 'write', bytes: nops, result: 0 }));
});
