import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Plugins are written into a folder outside the repository, as a user's own project would be.
const KFMD = fileURLToPath(new URL('./kfmd.mjs', import.meta.url));
const IMPL = pathToFileURL(fileURLToPath(new URL('../../../impl/index.ts', import.meta.url))).href;
const dir = mkdtempSync(join(tmpdir(), 'kfmd-plugin-'));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plugin(file: string, body: string): string {
  const path = join(dir, file);
  writeFileSync(path, `import * as k from '${IMPL}';\n${body}\n`);
  return path;
}

const DECLARES = `{ index: 'padding-insn', slotPolicy: 'any-free', locking: k.V4_LOCKING, readers: { rcu: true, norcu: true } }`;
const impl = (
  over: string,
  create = '(kernel) => new k.LockedStore(kernel, k.hooksFor(kernel), { size: 24, users: 16, func: 0 })',
) =>
  `export default { name: 'mine', description: 'a user design', contract: k.CONTRACT_VERSION, declares: ${DECLARES}, create: ${create}, ${over} };`;

function kfmd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const QUICK = ['--config', 'x86-A16', '--suite', 'contract', '--runs', '20'];

describe('kfmd check --impl FILE: a user implementation from outside the repository', () => {
  it('a TypeScript plugin is loaded, checked and named in the report', () => {
    const r = kfmd('check', '--impl', plugin('good.ts', impl('')), ...QUICK);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/implementation mine/);
    expect(r.stdout).toMatch(/1 properties: 1 hold, 0 violated/);
  });

  it('a JavaScript plugin exporting `implementation` works too, concurrently', () => {
    const path = plugin('named.js', impl('').replace('export default', 'export const implementation ='));
    const r = kfmd('check', '--impl', path, '--config', 'x86-A16', '--schedule', 'pct', '--runs', '30');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a store that throws during an operation gets a crash verdict naming the throw, not an internal error', () => {
    const create = `(kernel) => { const s = new k.LockedStore(kernel); s.trampoline = function* () { throw new Error('boom in the trampoline'); }; return s; }`;
    const path = plugin('throws.ts', impl('', create));
    const seq = kfmd('check', '--impl', path, ...QUICK);
    expect(seq.status).toBe(1);
    expect(seq.stdout).toMatch(/threw boom in the trampoline/);
    const conc = kfmd('check', '--impl', path, '--config', 'x86-A16', '--schedule', 'pct', '--runs', '30');
    expect(conc.stderr).toBe('');
    expect(conc.status).toBe(1);
    expect(conc.stdout).toMatch(/the implementation threw boom in the trampoline/);
  });

  const refused: readonly [string, string, RegExp][] = [
    ['no such file', '', /plugin .*missing\.ts: no such file/],
    ['no export', 'export const nothing = 1;', /exports no implementation/],
    ['a module that throws while loading', "throw new Error('cannot start');", /cannot be loaded: cannot start/],
    ['a declaration out of range', impl('declares: { ...(' + DECLARES + "), index: 'elsewhere' }"), /declares\.index/],
    ['create is not a function', impl("create: 'nope'"), /create: must be a function/],
    ['another contract version', impl('contract: 99'), /contract version 99; this kfmd implements version 1/],
    ['the name of a built-in', impl("name: 'v4'"), /name "v4" is a built-in/],
    [
      'create() throws',
      impl('', "() => { throw new Error('no memory'); }"),
      /create\(\) or inspect\(\) threw no memory/,
    ],
    [
      'a store without all the verbs',
      impl('', '() => ({ inspect() { return {}; } })'),
      /the store lacks lock, unlock, get/,
    ],
    [
      'a layout that does not fit',
      impl('', '(kernel) => new k.LockedStore(kernel, k.hooksFor(kernel), { size: 16, users: 8, func: 4 })'),
      /must fit in 16 bytes without overlapping/,
    ],
  ];
  it.each(refused)('refused before any work starts, one line, exit 2: %s', (what, body, message) => {
    const path = what === 'no such file' ? join(dir, 'missing.ts') : plugin(`${what.replace(/\W+/g, '-')}.ts`, body);
    const r = kfmd('check', '--impl', path, ...QUICK);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kfmd: error: plugin /);
    expect(r.stderr).toMatch(message);
  });

  it('replay --impl FILE replays a saved counterexample against the plugin', () => {
    const saved = kfmd('check', '--config', 'x86-A16', '--suite', 'stale-md', '--runs', '50', '--out', join(dir, 'ce'));
    expect(saved.status).toBe(1);
    const file = join(dir, 'ce', 'v4.x86-A16.stale-md.json');
    const r = kfmd('replay', file, '--impl', plugin('replay.ts', impl('')));
    expect(r.stderr).toBe('');
    // the plugin keeps outgrown arrays: the pointer held across growth is still valid there
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no longer fails on mine/);
  });
});
