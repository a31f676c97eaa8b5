import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANTS } from '../../impls/mutants/index.ts';
import { run } from './main.ts';

/** `kfmd …` in this process, through the CLI entry: exit status and what it printed, without colour. */
async function kfmd(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await run(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { status, out: stripVTControlCharacters(out), err: stripVTControlCharacters(err) };
}

const dir = mkdtempSync(join(tmpdir(), 'kfmd-against-'));
const timings: string[] = [];

afterAll(() => console.log(`kfmd check --against, in-process timings:\n  ${timings.join('\n  ')}`));

async function timed(what: string, args: string[]): Promise<{ status: number; out: string; err: string }> {
  const t0 = performance.now();
  const r = await kfmd(...args, '--out', dir);
  timings.push(`${what}: ${Math.round(performance.now() - t0)} ms`);
  return r;
}

/**
 * Where each mutant's bug lives: one (configuration, suite) pair (the sequential ones), or a
 * concurrent search. The pairs are the first on which `--against v4` catches the mutant at
 * the default 50 runs, in the mutant hunt's order (impls/mutants/plan.ts: suites, then
 * configurations); the check runs up to RUNS, so a generator change that delays a catch
 * costs time, not a false failure (fast-check stops at the first counterexample).
 */
const RUNS = '300';
const SEQUENTIAL: Readonly<Record<string, readonly [config: string, suite: string, runs?: string]>> = {
  'mutant:wrong-offset-caseB': ['x86-B-kcfi', 'contract'],
  'mutant:big-endian-index': ['x86-A16', 'contract'],
  'mutant:wrong-arm64-nop': ['arm64-md-1,1', 'contract'],
  'mutant:six-byte-write': ['x86-A16', 'contract'],
  'mutant:find-no-bound-check': ['x86-A16', 'forged-insn'],
  'mutant:no-already-equal': ['x86-A16-thunks', 'forged-insn'],
  'mutant:repoke-equal': ['x86-A16-thunks', 'forged-insn'],
  'mutant:ebusy-inverted': ['x86-A16', 'contract'],
  'mutant:ebusy-no-rollback': ['x86-A16', 'foreign-bytes'],
  'mutant:func-not-set': ['x86-A16', 'contract'],
  'mutant:scan-from-one': ['x86-A16', 'contract'],
  'mutant:grow-one-early': ['x86-A16', 'contract'],
  'mutant:grow-copy-one-short': ['x86-A16', 'contract'],
  'mutant:grow-no-init-upper': ['x86-A16', 'contract'],
  'mutant:grow-free-new-array': ['x86-A16', 'contract'],
  'mutant:free-with-new-order': ['x86-A16', 'contract'],
  'mutant:grow-leaks-old-array': ['x86-A16', 'contract'],
  'mutant:no-restore-at-zero': ['x86-A16', 'contract'],
  'mutant:used-not-decremented': ['x86-A16', 'contract'],
  'mutant:put-by-ip-twice': ['x86-A16', 'contract'],
  'mutant:put-by-ip-no-unlock': ['x86-A16', 'contract'],
  // shrinking needs every md put back first: rare in a generated sequence
  'mutant:shrink-when-empty': ['x86-A16', 'contract', '1000'],
  'mutant:shrink-when-sparse': ['x86-A16', 'contract', '1000'],
  'mutant:trampoline-reads-pad0': ['x86-A16', 'contract'],
};

/** Races: the bug needs a reader between two steps of a writer (plan.ts KNOWN_ESCAPES). */
const CONCURRENT: Readonly<Record<string, readonly string[]>> = {
  'mutant:grow-publish-before-copy': ['--schedule', 'pct', '--config', 'x86-A16', '--runs', '1000'],
};

function planFor(name: string): string[] {
  const seq = SEQUENTIAL[name];
  if (seq) return ['--config', seq[0], '--suite', seq[1], '--runs', seq[2] ?? RUNS];
  const conc = CONCURRENT[name];
  if (conc) return [...conc];
  throw new Error(`${name}: no plan in against.test.ts — add the pair or search that tells it apart from v4`);
}

describe('kfmd check --against v4 tells every mutant apart from v4', () => {
  it('every mutant has a plan, and every plan a mutant', () => {
    const names = MUTANTS.map((m) => m.name).sort();
    expect([...Object.keys(SEQUENTIAL), ...Object.keys(CONCURRENT)].sort()).toEqual(names);
  });

  it.each(MUTANTS.map((m) => m.name))('%s', async (name) => {
    const r = await timed(name, ['check', '--impl', name, '--against', 'v4', ...planFor(name), '--json']);
    expect(r.err).toBe('');
    expect(r.status, r.out).toBe(1);
    const json = JSON.parse(r.out) as { against: string; results: { verdict?: string; holds?: boolean }[] };
    expect(json.against).toBe('v4');
    const failed = json.results.filter((x) => x.verdict === 'violated' || x.holds === false);
    expect(failed.length).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['random', '2000'],
    ['pct', '1000'],
    ['exhaustive', '30'],
  ])(
    'grow-publish-before-copy under %s schedules: a reader sees the array before the copy, v4 holds on that run',
    async (strategy, runs) => {
      const name = 'mutant:grow-publish-before-copy';
      const args = ['--impl', name, '--against', 'v4', '--schedule', strategy, '--config', 'x86-A16'];
      const r = await timed(`${name} ${strategy}`, ['check', ...args, '--runs', runs]);
      expect(r.status, r.out).toBe(1);
      expect(r.out).toContain(`implementation ${name} against v4`);
      expect(r.out).toContain('differential against v4: on the same programs and schedule, v4 holds');
    },
  );
});

// each search below fails without --against (v4's own findings), so holding with it is no accident
describe('an implementation against itself reports nothing', () => {
  it('sequential: every suite on three configurations (one with the D12 layout)', async () => {
    for (const config of ['x86-A16', 'x86-C-fineibt-kconfig', 'arm64-md-1,1']) {
      expect((await kfmd('check', '--config', config, '--out', dir)).status).toBe(1);
      const r = await timed(`v4 --against v4, ${config}, 9 suites`, ['check', '--against', 'v4', '--config', config]);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/9 properties: 9 hold, 0 violated/);
    }
  });

  it.each([
    ['random', '200'],
    ['pct', '200'],
    // the reference replays each explored interleaving, not the generated empty schedule
    ['exhaustive', '5'],
  ])('concurrent, %s schedules', async (strategy, runs) => {
    for (const config of ['x86-A16', 'arm64-md-1,1']) {
      const args = ['check', '--schedule', strategy, '--config', config, '--runs', runs];
      expect((await kfmd(...args, '--out', dir)).status).toBe(1);
      const r = await timed(`v4 --against v4, ${strategy}, ${config}`, [...args, '--against', 'v4']);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/1 properties: 1 hold, 0 violated/);
    }
  });
});

describe('a differential counterexample says so, and replays', () => {
  it('the file names the reference; replay reproduces the report and judges against it again', async () => {
    const name = 'mutant:scan-from-one';
    const r = await kfmd(
      'check',
      '--impl',
      name,
      '--against',
      'v4',
      '--config',
      'x86-A16',
      '--suite',
      'contract',
      '--out',
      dir,
    );
    expect(r.status).toBe(1);
    const file = join(dir, 'mutant_scan-from-one.x86-A16.contract.against-v4.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { against: { reference: string }; report: string };
    expect(saved.against.reference).toBe('v4');
    expect(saved.report).toContain('differential against v4: on the same commands, v4 holds');
    expect(r.out).toContain(saved.report);
    const again = await kfmd('replay', file);
    expect(again.status).toBe(1);
    expect(again.out).toBe(`${saved.report}\n`);
    const self = await kfmd('replay', file, '--against', name);
    expect(self.status).toBe(0);
    expect(self.out).toMatch(/still fails, but mutant:scan-from-one fails the same commands the same way/);
  });
});

describe('option validation: one line, exit 2', () => {
  it.each([
    [['check', '--against', 'nope'], /^kfmd: error: --against: unknown implementation "nope"/],
    [['check', '--against', 'all'], /^kfmd: error: --against takes one implementation, not all$/],
    [
      ['check', '--impl', 'all', '--schedule', 'pct', '--hunt'],
      /^kfmd: error: --impl all cannot be combined with --hunt/,
    ],
    [['check', '--against', './missing-impl.ts'], /^kfmd: error: --against: plugin .\/missing-impl.ts: no such file$/],
  ])('%j', async (args, message) => {
    const r = await kfmd(...args);
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
