import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITES } from '../../engine/sequential/suites.ts';

const KFMD = join(import.meta.dirname, 'kfmd.mjs');

function kfmd(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kfmd check and replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfmd-cli-'));

  it('exit 0 when every property holds', () => {
    const r = kfmd(['check', '--config', 'x86-A16', '--no-faults', '--runs', '20'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 properties: 1 hold, 0 violated/);
  });

  it('exit 1 on a violation, saves the counterexample, and replay reproduces the report byte for byte', () => {
    const r = kfmd(['check', '--config', 'x86-A16', '--suite', 'foreign-bytes', '--runs', '50'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('D3');
    const file = '.kfmd/counterexamples/v4.x86-A16.foreign-bytes.json';
    const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      report: string;
      scenario: { commands: unknown[] };
    };
    expect(saved.scenario.commands.length).toBeLessThanOrEqual(6);
    expect(r.stdout).toContain(saved.report);
    const again = kfmd(['replay', file], dir);
    expect(again.status).toBe(1);
    expect(again.stdout).toBe(`${saved.report}\n`);
  });

  it('a finding at boot (D13, I10) is saved with no commands, and replays', () => {
    const r = kfmd(['check', '--config', 'arm64-args-3,1-bti', '--suite', 'contract'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const file = '.kfmd/counterexamples/v4.arm64-args-3_1-bti.contract.json';
    const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { check: string; scenario: { commands: [] } };
    expect([saved.check, saved.scenario.commands]).toEqual(['I10', []]);
    expect(kfmd(['replay', file], dir).status).toBe(1);
  });

  it('the same seed gives the same output byte for byte', () => {
    const a = kfmd(['check', '--config', 'arm64-md-1,1', '--runs', '30', '--seed', '7', '--json'], dir);
    const b = kfmd(['check', '--config', 'arm64-md-1,1', '--runs', '30', '--seed', '7', '--json'], dir);
    expect(a.stdout).toBe(b.stdout);
    const parsed = JSON.parse(a.stdout) as { results: { verdict: string }[]; coverage: Record<string, number> };
    expect(parsed.results.length).toBe(SUITES.length);
    expect(Object.keys(parsed.coverage).length).toBeGreaterThan(20);
  });

  it.each([
    [['check', '--impl', 'nope'], /unknown implementation "nope"/],
    [['check', '--runs', 'many'], /--runs must be a decimal integer from 1 to 1000000/],
    [['check', '--config', 'x86-Z'], /unknown configuration "x86-Z"/],
    [['check', '--suite', 'weird'], /unknown property suite "weird"/],
    [['replay', 'missing.json'], /cannot read missing.json/],
  ])('bad input %j → one line, exit 2', (args, message) => {
    const r = kfmd(args, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['not json', '{oops'],
    ['wrong kind', JSON.stringify({ kfmd: 'something-else' })],
    [
      'bad command',
      JSON.stringify({
        kfmd: 'counterexample',
        version: 1,
        impl: 'v4',
        check: 'I2',
        message: '',
        report: '',
        file: 'x',
        seed: 1,
        path: null,
        finding: null,
        scenario: {
          config: 'x86-A16',
          suite: 'contract',
          entriesPerPage: 2,
          maxOrder: 1,
          functions: [{ name: 'f0', padded: true }],
          commands: [{ op: 'get', fn: 'ghost' }],
        },
      }),
    ],
    [
      'unknown config',
      JSON.stringify({
        kfmd: 'counterexample',
        version: 1,
        impl: 'v4',
        check: 'I2',
        message: '',
        report: '',
        file: 'x',
        seed: 1,
        path: null,
        finding: null,
        scenario: {
          config: 'x86-Q',
          suite: 'contract',
          entriesPerPage: 2,
          maxOrder: 1,
          functions: [{ name: 'f0', padded: true }],
          commands: [],
        },
      }),
    ],
  ])('a corrupt counterexample file (%s) → one line naming the problem, exit 2', (_what, content) => {
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, content);
    const r = kfmd(['replay', file], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^kfmd: error: /);
  });
});
