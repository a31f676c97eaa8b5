import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const KFMD = fileURLToPath(new URL('./kfmd.mjs', import.meta.url));

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function kfmd(...args: string[]): Result {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonOccupant {
  kind: string;
  start: number;
  end: number;
}
interface JsonConfig {
  name: string;
  arch: string;
  options: { arch: string };
  paddingBytes: number;
  alignment: number;
  insnOffset: number;
  dataOffset: number;
  insnSize: number;
  occupants: JsonOccupant[];
}

function strip(c: JsonConfig): string {
  return c.occupants.map((o) => `${o.kind}[${o.start},${o.end})`).join(' ');
}

/** A usage error: exit 2, exactly one stderr line, nothing that looks like a stack. */
function expectUsageError(r: Result, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kfmd: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('kfmd CLI', () => {
  it('--help exits 0 and documents the exit statuses', () => {
    const r = kfmd('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: kfmd/);
    expect(r.stdout).toMatch(/configs/);
    expect(r.stdout).toMatch(/2 +usage error/);
    expect(r.stderr).toBe('');
  });

  it('configs --json: one object per configuration, the known byte maps', () => {
    const r = kfmd('configs', '--json');
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as JsonConfig[];
    expect(list.filter((c) => c.arch === 'x86').length).toBeGreaterThanOrEqual(6);
    expect(list.filter((c) => c.arch === 'arm64').length).toBeGreaterThanOrEqual(5);
    expect(new Set(list.map((c) => c.name)).size).toBe(list.length);
    const byName = new Map(list.map((c) => [c.name, c]));
    const map = (name: string): string => {
      const c = byName.get(name);
      if (c === undefined) throw new Error(`missing ${name}`);
      return strip(c);
    };
    expect(map('x86-A16')).toBe('md[-16,-11) nop[-11,0)');
    expect(map('x86-B-kcfi')).toBe('kcfi[-16,-11) nop[-11,-5) md[-5,0)');
    expect(map('arm64-callops-6,4')).toBe('nop[-16,-12) md[-12,-8) callops[-8,0)');
    expect(map('arm64-md-1,1')).toBe('md[-4,0)');
    for (const c of list) {
      expect(c.options.arch).toBe(c.arch);
      for (const key of ['paddingBytes', 'alignment', 'insnOffset', 'dataOffset', 'insnSize'] as const) {
        expect(typeof c[key]).toBe('number');
      }
    }
  });

  it('configs --arch filters; the table marks the overlapping configurations', () => {
    const arm = JSON.parse(kfmd('configs', '--json', '--arch', 'arm64').stdout) as JsonConfig[];
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.every((c) => c.arch === 'arm64')).toBe(true);
    const table = kfmd('configs', '--arch', 'x86');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^x86-A16 +x86 +16,16 +16 +16 +16\/15 +md\[-16,-11\) nop\[-11,0\)$/m);
    expect(table.stdout).toMatch(/^x86-C-fineibt-kconfig ! /m);
    expect(table.stdout).not.toMatch(/arm64-/);
    // the other function shapes under their configuration (spec §4.4 X5)
    expect(table.stdout).toMatch(
      /^x86-B-kcfi .*kcfi\[-16,-11\) nop\[-11,-5\) md\[-5,0\)\n {2}└ no-kcfi +nop\[-16,-5\) md\[-5,0\)$/m,
    );
    expect(table.stdout).toMatch(
      /^x86-C-fineibt-kconfig ! .*\n {2}└ no-kcfi +nop\[-32,-19\) md\[-19,-14\) nop\[-14,0\)$/m,
    );
    expect(table.stdout).toMatch(/^x86-A16-thunks .*\n {2}└ no-thunk +md\[-16,-11\) nop\[-11,0\)$/m);
    // ip+0..ip+3 where the configuration fixes them (spec §4.1): poisoned in FineIBT mode, ENDBR64 with FineIBT built
    expect(table.stdout).toMatch(
      /^x86-C-fineibt-kconfig ! .*fineibt\[-16,0\) entry\[0,4\) poisoned endbr \(nopl -42\(%rax\)\)$/m,
    );
    expect(table.stdout).toMatch(/^x86-C-kcfi-kconfig-fineibt-built .*nop\[-14,0\) entry\[0,4\) endbr64$/m);
    const json = JSON.parse(kfmd('configs', '--json', '--arch', 'x86').stdout) as (JsonConfig & {
      shapes: { name: string; facts: { cfi: boolean; directCallDest: boolean }; occupants: JsonOccupant[] }[];
    })[];
    const c = json.find((x) => x.name === 'x86-C-kcfi-kconfig-thunks');
    expect(c?.shapes.map((s) => s.name)).toEqual(['kcfi+thunk', 'kcfi+no-thunk', 'no-kcfi+thunk', 'no-kcfi+no-thunk']);
    expect(c?.shapes[3]?.facts).toEqual({ cfi: false, directCallDest: false, arity: 2 });
  });

  it('usage errors: one stderr line, exit 2, no stack', () => {
    expectUsageError(kfmd('configs', '--bogus'), /unknown option '--bogus'/);
    expectUsageError(kfmd('configs', '--arch', 'mips'), /'mips' is invalid/);
    expectUsageError(kfmd('frobnicate'), /unknown command 'frobnicate'/);
    expectUsageError(kfmd(), /missing command/);
  });
});
