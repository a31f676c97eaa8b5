import { describe, expect, it } from 'vitest';
import type { ArchHooks } from '../../../impl/arch/hooks.ts';
import type { Implementation } from '../../../impl/contract/index.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { kernelWith, lockedGet, run, x86 } from '../../../impl/testing/fixtures.ts';
import { Stepper } from '../../../impl/testing/stepper.ts';
import { encodeInsn } from '../../../model/index.ts';
import { execute } from '../../engine/sequential/executor.ts';
import { SUITE_GEOMETRY } from '../../engine/core/scenario.ts';
import type { SequentialScenario } from '../../engine/core/scenario.ts';
import { findNoBoundCheck } from './find-no-bound-check.ts';
import { growPublishBeforeCopy } from './grow-publish-before-copy.ts';
import { noAlreadyEqual } from './no-already-equal.ts';
import { must } from '../../engine/core/must.ts';

/**
 * Hand-written scenarios for the mutants that the sequential suites can only tell apart from v4
 * where v4 has findings of its own (forged instructions), and for the one they cannot see at all
 * (grow-publish-before-copy, a race: plan.ts KNOWN_ESCAPES): evidence of what each bug does.
 */
function forged(
  config: string,
  arch: ArchHooks['arch'],
  index: number,
  after: SequentialScenario['commands'],
): SequentialScenario {
  return {
    config,
    suite: 'forged-insn',
    ...SUITE_GEOMETRY,
    functions: [
      { name: 'f0', padded: true },
      { name: 'f1', padded: true },
    ],
    commands: [{ op: 'foreign_write', fn: 'f0', bytes: encodeInsn(arch, index) }, ...after],
  };
}

describe('escapes: what a generator would need', () => {
  it.each([
    ['x86-A16', 'x86'],
    ['arm64-md-1,1', 'arm64'],
  ] as const)(
    'no-already-equal: forging the index-0 instruction before the first array exists holds for v4 and catches the mutant (%s)',
    (config, arch) => {
      const sc = forged(config, arch, 0, [
        { op: 'lock' },
        { op: 'get', fn: 'f0' },
        { op: 'get', fn: 'f1' },
        { op: 'unlock' },
        { op: 'put', fn: 'f0' },
      ]);
      expect(execute(sc, v4).violation).toBeNull();
      expect(execute(sc, noAlreadyEqual).violation).toMatchObject({ check: 'result', at: 2 });
    },
  );

  it('find-no-bound-check: on a forged out-of-range index v4 fails only by its WARN, the mutant by a wild access', () => {
    const sc = forged('x86-A16', 'x86', 0x7fffffff, [{ op: 'lock' }, { op: 'get', fn: 'f0' }, { op: 'unlock' }]);
    const ofV4 = execute(sc, v4).violation;
    expect(ofV4?.check).toBe('result');
    expect(ofV4?.message).toContain('find-bound');
    const ofMutant = execute(sc, findNoBoundCheck).violation;
    expect(ofMutant?.check).toBe('I5');
    expect(ofMutant?.message).toContain('unmapped');
  });

  it('grow-publish-before-copy: a reader between the publish and the copy sees garbage; with v4 it sees the entry', () => {
    const seenBy = (impl: Implementation) => {
      const k = kernelWith(x86(), 3, { pageSize: 32 });
      const s = impl.create(k);
      const ip = (i: number) => k.fn(`f${i}`).ip;
      run(k, lockedGet(s, ip(0)));
      run(k, lockedGet(s, ip(1)));
      // the third get doubles the 2-entry array; stop the writer just after it publishes the new one
      const mds = must(k.staticAddr('kfunc_mds'), 'kfunc_mds');
      const writer = new Stepper(k, 0, lockedGet(s, ip(2)));
      writer.runUntil((st) => st.kind === 'store64' && st.addr === mds);
      writer.resume();
      const seen = new Stepper(k, 1, s.trampoline(ip(1), { rcu: true })).finish();
      writer.finish();
      return { users: seen.users, func: seen.func === ip(1) };
    };
    expect(seenBy(v4)).toEqual({ users: 1, func: true });
    // fresh pages hold 0xa5: users reads as 0xa5a5a5a5 (negative), func as garbage
    expect(seenBy(growPublishBeforeCopy)).toEqual({ users: -0x5a5a5a5b, func: false });
  });
});
