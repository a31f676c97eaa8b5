import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Implementation } from '../../../impl/contract/index.ts';
import { v4 } from '../../../impl/v4/store.ts';
import { allConfigurations } from '../../../model/config/index.ts';
import { encodeInsn } from '../../../model/index.ts';
import type { Arch } from '../../../model/index.ts';
import { DEFAULT_RUNS, DEFAULT_SEED, propertySeed } from '../../engine/core/defaults.ts';
import type { Operation } from '../../engine/core/operations.ts';
import { paddingSources } from '../../engine/core/padding-bytes.ts';
import { SUITE_GEOMETRY } from '../../engine/core/scenario.ts';
import type { SequentialScenario } from '../../engine/core/scenario.ts';
import { scenarioArbitrary } from '../../engine/sequential/arbitraries.ts';
import { execute } from '../../engine/sequential/executor.ts';
import { suiteByName } from '../../engine/sequential/suites.ts';
import { existAnyMovReg, existHintIsNop } from './exist-loose-decoder.ts';
import { Hunter } from './hunt.ts';

/**
 * Two designs whose exist() trusts the wrong bytes (a kCFI-arity `mov $hash,%ecx`; a `bti c` word)
 * against the fault suites: the sample strings they used before (issue 9) can never tell them from
 * v4, the catalogue of real padding bytes does.
 */
const FAULT_SUITES = ['foreign-bytes', 'forged-insn'].map(suiteByName);
const MUTANTS: readonly (readonly [Implementation, Arch])[] = [
  [existAnyMovReg, 'x86'],
  [existHintIsNop, 'arm64'],
];

/** What foreign_write wrote before the catalogue: a handful of samples and five forged indices. */
const OLD_SAMPLES: Readonly<Record<Arch, readonly (readonly number[])[]>> = {
  x86: [
    [0xcc, 0xcc, 0xcc, 0xcc, 0xcc],
    [0x0f, 0x1f, 0x44, 0x00, 0x00],
    [0xe8, 0x00, 0x00, 0x00, 0x00],
    [0x90, 0x90, 0x90, 0x90, 0x90],
    ...[0, 1, 2, 3, 0x7fffffff].map((i) => encodeInsn('x86', i)),
  ],
  arm64: [
    [0x1f, 0x20, 0x03, 0xd5],
    [0xc0, 0x03, 0x5f, 0xd6],
    [0x00, 0x00, 0x00, 0x94],
    ...[0, 1, 2, 3, 0x7fffffff].map((i) => encodeInsn('arm64', i)),
  ],
};

/** A window written before and after f0 is attached, then every reader and both puts. */
function probe(config: string, bytes: readonly number[], attachedFirst: boolean): SequentialScenario {
  const write: Operation = { op: 'foreign_write', fn: 'f0', bytes };
  const attach: Operation[] = [{ op: 'lock' }, { op: 'get', fn: 'f0' }, { op: 'unlock' }];
  const after: Operation[] = [
    { op: 'find', fn: 'f0' },
    { op: 'put', fn: 'f0' },
    { op: 'put_by_ip', fn: 'f0' },
  ];
  return {
    config,
    suite: 'foreign-bytes',
    ...SUITE_GEOMETRY,
    functions: [
      { name: 'f0', padded: true },
      { name: 'f1', padded: true },
    ],
    commands: attachedFirst ? [...attach, write, ...after] : [write, ...attach, ...after],
  };
}

/** The mutant fails where v4 does not, or fails another check: the hunt's own rule. */
function toldApart(scenario: SequentialScenario, m: Implementation): boolean {
  const ofV4 = execute(scenario, v4).violation;
  const ofMutant = execute(scenario, m).violation;
  return ofMutant !== null && ofMutant.check !== ofV4?.check;
}

const configsOf = (arch: Arch) => allConfigurations().filter((c) => c.arch === arch);
const measured: string[] = [];
afterAll(() => console.log(`seed ${DEFAULT_SEED}, ${DEFAULT_RUNS} runs per pair:\n${measured.join('\n')}`));

describe.each(MUTANTS.map(([m, arch]) => [m.name, m, arch] as const))('%s', (_name, m, arch) => {
  it('no sample string of the old generators tells it from v4, before or after an attach', () => {
    for (const c of configsOf(arch))
      for (const bytes of OLD_SAMPLES[arch])
        for (const attachedFirst of [false, true])
          expect(toldApart(probe(c.name, bytes, attachedFirst), m), `${c.name} ${bytes.join(',')}`).toBe(false);
  });

  it('some real padding string of its arch does', () => {
    const hits = paddingSources(arch).filter((s) =>
      configsOf(arch).some((c) => toldApart(probe(c.name, s.bytes.slice(0, c.insnSize), true), m)),
    );
    expect(hits.map((s) => s.name).length).toBeGreaterThan(0);
    measured.push(`${m.name}: told apart by ${hits.map((s) => s.name).join('; ')}`);
  });

  it("the default run's scenarios tell it apart from v4", () => {
    let apart = 0;
    let runs = 0;
    for (const suite of FAULT_SUITES)
      for (const c of configsOf(arch)) {
        const seed = propertySeed(DEFAULT_SEED, c.name, suite.name);
        for (const sc of fc.sample(scenarioArbitrary(c, suite), { seed, numRuns: DEFAULT_RUNS })) {
          runs++;
          if (toldApart(sc, m)) apart++;
        }
      }
    measured.push(`${m.name}: ${apart} of ${runs} fault-suite runs tell it apart`);
    expect(apart).toBeGreaterThan(0);
  }, 60_000);
});

describe('the hunt of mutants.test.ts', () => {
  it('the hunt tells exist-any-mov-reg apart from v4 (on a pair where v4 holds, or on a counterexample v4 passes)', () => {
    const r = new Hunter(v4, { seed: DEFAULT_SEED, numRuns: DEFAULT_RUNS }).hunt(
      existAnyMovReg,
      configsOf('x86'),
      FAULT_SUITES,
    );
    expect(['reference holds', 'reference passes this counterexample']).toContain(r.caught?.how);
    measured.push(`hunt: ${existAnyMovReg.name} caught on ${r.caught?.config}/${r.caught?.suite} (${r.caught?.check})`);
  }, 60_000);
});
