import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Bad input as users meet it (argument vectors, output paths, corrupt counterexample files): each
 * case must end within seconds with exactly one stderr line "kfmd: error: …" and exit 2, before
 * any work — never exit 0, 1 or 3, never a hang, never a silent pass.
 */
const KFMD = join(import.meta.dirname, 'kfmd.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kfmd-bad-'));

function kfmd(args: readonly string[], timeout = 30_000) {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function expectRefused(r: ReturnType<typeof kfmd>, what: string, message?: RegExp): void {
  expect(r.signal, `${what}: hung`).toBeNull();
  expect(r.status, `${what}: ${r.stderr}`).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^kfmd: error: /);
  // echoed values are escaped: no control character reaches the terminal
  // eslint-disable-next-line no-control-regex -- what must not appear
  expect(lines[0], what).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(lines[0]?.length ?? 0, what).toBeLessThan(600);
  if (message) expect(lines[0], what).toMatch(message);
}

const ONE = ['--config', 'x86-A16', '--suite', 'contract', '--runs', '1'];

describe('argument vectors: one line, exit 2, before any work', () => {
  const vectors: readonly (readonly [string, readonly string[], RegExp?])[] = [
    ['issue example', ['check', '--config', 'x86-A16', '--runs', '1', '--byte-order', '9,9,9'], /--byte-order/],
    ['ENTRIES_PER_PAGE 0', ['check', '--schedule', 'pct', '--entries-per-page', '0'], /--entries-per-page/],
    ['ENTRIES_PER_PAGE 3', ['check', '--schedule', 'pct', '--entries-per-page', '3'], /power of two/],
    ['ENTRIES_PER_PAGE 2^18', ['check', '--schedule', 'random', '--entries-per-page', '262144'], /from 1 to 1024/],
    ['ENTRIES_PER_PAGE 2^32', ['check', '--schedule', 'random', '--entries-per-page', '4294967296']],
    ['negative preemptions', ['check', '--schedule', 'exhaustive', '--preemptions', '-3'], /--preemptions/],
    ['runs 0', ['check', '--runs', '0']],
    ['runs 1.5', ['check', '--runs', '1.5']],
    ['runs with leading zeros', ['check', '--runs', '0012']],
    ['runs in hex', ['check', '--runs', '0x10']],
    ['runs in exponent form', ['check', '--runs', '1e3']],
    ['seed -0', ['check', '--seed', '-0']],
    ['seed past 32 bits', ['check', '--seed', '4294967296']],
    ['byte order in hex', ['check', '--schedule', 'pct', '--byte-order', '0x0,1,2,3,4']],
    ['byte order in exponent form', ['check', '--schedule', 'pct', '--byte-order', '1e0,0,2,3,4']],
    ['byte order -0', ['check', '--schedule', 'pct', '--byte-order', '-0,1,2,3,4']],
    ['byte order with spaces', ['check', '--schedule', 'pct', '--byte-order', '0, 1,2,3,4']],
    ['max-schedules 0', ['check', '--schedule', 'exhaustive', '--max-schedules', '0']],
    ['time-limit 0', ['check', '--schedule', 'pct', '--hunt', '--time-limit', '0']],
    // options the mode does not read
    ['time-limit without --hunt', ['check', ...ONE, '--time-limit', '5'], /applies to --hunt/],
    ['byte order, sequential', ['check', ...ONE, '--byte-order', 'descending'], /sequential suites/],
    ['entries per page, sequential', ['check', ...ONE, '--entries-per-page', '4'], /sequential suites/],
    ['readers, sequential', ['check', ...ONE, '--readers', 'rcu'], /concurrent runs/],
    ['preemptions, sequential', ['check', ...ONE, '--preemptions', '1'], /exhaustive/],
    ['preemptions under pct', ['check', '--schedule', 'pct', '--preemptions', '1'], /exhaustive/],
    ['max-schedules under random', ['check', '--schedule', 'random', '--max-schedules', '9'], /exhaustive/],
    ['suite under --schedule', ['check', '--schedule', 'pct', '--suite', 'contract'], /--suite applies/],
    ['no-faults under --schedule', ['check', '--schedule', 'pct', '--no-faults'], /--no-faults applies/],
    ['byte order in a hunt', ['check', '--schedule', 'pct', '--hunt', '--byte-order', 'descending'], /--hunt/],
    ['hunt without a schedule', ['check', '--hunt'], /--hunt needs --schedule/],
    ['hunt of all designs', ['check', '--impl', 'all', '--schedule', 'pct', '--hunt']],
    ['wall budget without --impl-cmd', ['check', ...ONE, '--wall-budget', '10'], /--impl-cmd/],
    ['control characters', ['check', '--config', 'x86\u001b[31m-A16']],
    ['a very long value', ['check', '--runs', '9'.repeat(5000)]],
    ['unknown arch for a configuration', ['check', '--arch', 'arm64', '--config', 'x86-A16']],
    // --out, checked and created before the run
    ['--out ""', ['check', ...ONE, '--out', ''], /must name a directory/],
    ['--out /dev/null', ['check', ...ONE, '--out', '/dev/null'], /not a directory/],
    ['--out under /proc', ['check', ...ONE, '--out', '/proc/kfmd-x'], /cannot be created/],
    ['--out through a file', ['check', ...ONE, '--out', 'a-file/x'], /cannot be created/],
    ['--out a file', ['check', ...ONE, '--out', 'a-file'], /not a directory/],
  ];
  beforeAll(() => writeFileSync(join(dir, 'a-file'), 'x'));

  it.each(vectors.map((v) => [v[0], v] as const))('%s', (_name, [what, args, message]) => {
    expectRefused(kfmd(args), what, message);
  });

  it('an unwritable --out directory is refused before the run (not as root: root writes anywhere)', () => {
    if (process.getuid?.() === 0) return;
    mkdirSync(join(dir, 'ro'), { mode: 0o500 });
    expectRefused(kfmd(['check', ...ONE, '--out', 'ro']), 'read-only --out', /not writable/);
  });
});

interface Saved {
  readonly kind: string;
  readonly scenario: Record<string, unknown>;
  readonly [key: string]: unknown;
}

describe('corrupt counterexample files: one line naming the field, exit 2, never a replay', () => {
  const files: Record<'seq' | 'arm64' | 'conc', Saved> = {} as Record<'seq' | 'arm64' | 'conc', Saved>;
  beforeAll(() => {
    const out = join(dir, 'found');
    kfmd(['check', '--config', 'x86-A16', '--suite', 'foreign-bytes', '--runs', '50', '--out', out]);
    kfmd(['check', '--config', 'arm64-md-1,1', '--suite', 'unpadded', '--runs', '50', '--out', out]);
    kfmd(['check', '--config', 'x86-A16', '--schedule', 'random', '--out', out]);
    const read = (f: string): Saved => JSON.parse(readFileSync(join(out, f), 'utf8')) as Saved;
    files.seq = read('v4.x86-A16.foreign-bytes.json');
    files.arm64 = read('v4.arm64-md-1_1.unpadded.json');
    files.conc = read('v4.x86-A16.concurrent-random.json');
  }, 120_000);

  it('the originals replay (exit 1): the corruptions below are what makes them fail', () => {
    for (const [name, data] of Object.entries(files)) {
      const f = join(dir, `good-${name}.json`);
      writeFileSync(f, JSON.stringify(data));
      expect(kfmd(['replay', f]).status, name).toBe(1);
    }
  });

  type Corrupt = (d: Saved) => unknown;
  const sc = (d: Saved, over: Record<string, unknown>): Saved => ({ ...d, scenario: { ...d.scenario, ...over } });
  const fns = (d: Saved) => d.scenario['functions'] as Record<string, unknown>[];
  const cases: readonly (readonly ['seq' | 'arm64' | 'conc', string, Corrupt])[] = [
    ['seq', 'maxOrder 40', (d) => sc(d, { maxOrder: 40 })],
    ['seq', 'entriesPerPage 0', (d) => sc(d, { entriesPerPage: 0 })],
    ['seq', 'entriesPerPage 3', (d) => sc(d, { entriesPerPage: 3 })],
    ['arm64', 'entriesPerPage 2^31', (d) => sc(d, { entriesPerPage: 2 ** 31 })],
    ['seq', 'a function named twice', (d) => sc(d, { functions: [...fns(d), fns(d)[0]] })],
    [
      'seq',
      'a 200-byte foreign write',
      (d) => sc(d, { commands: [{ op: 'foreign_write', fn: fns(d)[0]?.['name'], bytes: new Array(200).fill(0x90) }] }),
    ],
    [
      'seq',
      'a foreign write longer than the padding',
      (d) => sc(d, { commands: [{ op: 'foreign_write', fn: fns(d)[0]?.['name'], bytes: new Array(40).fill(0x90) }] }),
    ],
    [
      'arm64',
      'an arm64 tail not in words',
      (d) => sc(d, { functions: fns(d).map((f) => ({ ...f, tail: [1, 2, 3] })) }),
    ],
    ['seq', 'no commands', (d) => sc(d, { commands: [] })],
    ['seq', 'no functions', (d) => sc(d, { functions: [] })],
    ['seq', 'a string byte order', (d) => sc(d, { pokeByteOrder: ['0', '1', '2', '3', '4'] })],
    ['seq', 'an unknown operation', (d) => sc(d, { commands: [{ op: 'reboot' }] })],
    ['seq', 'an unknown function', (d) => sc(d, { commands: [{ op: 'get', fn: 'nobody' }] })],
    ['seq', 'arity 9', (d) => sc(d, { functions: fns(d).map((f) => ({ ...f, arity: 9 })) })],
    ['seq', 'an unknown configuration', (d) => sc(d, { config: 'x86-Z' })],
    ['seq', 'an unknown suite', (d) => sc(d, { suite: 'weird' })],
    ['seq', 'version 3', (d) => ({ ...d, version: 3 })],
    ['seq', 'a string seed', (d) => ({ ...d, seed: 'x' })],
    ['seq', 'no scenario', (d) => ({ ...d, scenario: null })],
    ['conc', 'no programs', (d) => sc(d, { programs: [] })],
    ['conc', 'only empty programs', (d) => sc(d, { programs: [[], []] })],
    [
      'conc',
      'cpu 99 in the schedule',
      (d) => sc(d, { schedule: { kind: 'segments', segments: [{ cpu: 99, steps: 3 }] } }),
    ],
    ['conc', 'a trace decision past the CPUs', (d) => sc(d, { schedule: { kind: 'trace', decisions: [0, 7] } })],
    ['conc', 'decisions naming cpu 9', (d) => ({ ...d, decisions: '9*3' })],
    ['conc', 'malformed decisions', (d) => ({ ...d, decisions: 'lots' })],
    ['conc', 'a string byte order', (d) => sc(d, { pokeByteOrder: ['0', '1', '2', '3', '4'] })],
    ['conc', 'an unknown strategy', (d) => ({ ...d, strategy: 'dfs' })],
    ['conc', 'too many entries for a concurrent run', (d) => sc(d, { entriesPerPage: 1024, maxOrder: 10 })],
    ['conc', 'a sequential-only operation on a CPU', (d) => sc(d, { programs: [[{ op: 'lock' }]] })],
  ];

  it.each(cases.map((c) => [`${c[0]}: ${c[1]}`, c] as const))('%s', (_name, [base, what, corrupt]) => {
    const f = join(dir, `bad-${base}-${what.replace(/\W+/g, '-')}.json`);
    writeFileSync(f, JSON.stringify(corrupt(files[base])));
    expectRefused(kfmd(['replay', f]), what, /is not a kfmd counterexample/);
  });

  it('every leaf of the files, given a value of the wrong type, is refused (none replays to exit 0)', () => {
    const leaves = (v: unknown, path: (string | number)[] = []): (string | number)[][] =>
      typeof v === 'object' && v !== null
        ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k]))
        : [path];
    const set = (v: unknown, path: readonly (string | number)[], x: unknown): unknown => {
      if (path.length === 0) return x;
      const [head, ...rest] = path;
      if (Array.isArray(v) && typeof head === 'number') {
        const copy: unknown[] = [...(v as unknown[])];
        copy[head] = set(copy[head], rest, x);
        return copy;
      }
      const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      if (head !== undefined) copy[String(head)] = set(copy[String(head)], rest, x);
      return copy;
    };
    let n = 0;
    for (const [name, data] of Object.entries(files)) {
      for (const path of leaves(data)) {
        const key = path.join('.');
        // free text: any string is a valid message, report or path
        if (['message', 'report', 'file', 'path', 'impl', 'check', 'finding'].includes(key)) continue;
        const f = join(dir, `leaf-${name}-${n++}.json`);
        writeFileSync(f, JSON.stringify(set(data, path, { wrong: true })));
        const r = kfmd(['replay', f]);
        expect([r.status, key]).toEqual([2, key]);
      }
    }
    expect(n).toBeGreaterThan(20);
  }, 300_000);

  const special: readonly (readonly [string, () => string, RegExp])[] = [
    ['/dev/zero', () => '/dev/zero', /not a regular file/],
    ['a FIFO', () => fifo(), /not a regular file/],
    ['a directory', () => dir, /not a regular file/],
    ['a 5 MB file', () => big(), /more than the/],
    ['an empty file', () => write('empty.json', ''), /not valid JSON/],
    ['not JSON', () => write('nojson.json', '{"kfmd":'), /not valid JSON/],
    ['a JSON array', () => write('array.json', '[]'), /not an object/],
    ['JSON null', () => write('null.json', 'null'), /not an object/],
    ['a symlink to /dev/zero', () => link(), /not a regular file/],
  ];
  it.each(special)('%s', (what, make, message) => {
    expectRefused(kfmd(['replay', make()], 20_000), what, message);
  });
});

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function fifo(): string {
  const f = join(dir, 'fifo');
  if (!readdirSync(dir).includes('fifo')) spawnSync('mkfifo', [f]);
  return f;
}

function big(): string {
  return write('big.json', `{"kfmd":"counterexample","pad":"${'x'.repeat(5 * 1024 * 1024)}"}`);
}

function link(): string {
  const f = join(dir, 'zero-link.json');
  if (!readdirSync(dir).includes('zero-link.json')) symlinkSync('/dev/zero', f);
  return f;
}
