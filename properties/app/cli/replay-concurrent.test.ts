import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const KFMD = fileURLToPath(new URL('../cli/kfmd.mjs', import.meta.url));

function kfmd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KFMD, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kfmd check --schedule and kfmd replay', () => {
  const out = mkdtempSync(join(tmpdir(), 'kfmd-conc-'));

  it.each([
    ['pct', []],
    ['random', ['--byte-order', 'low-first']],
    ['exhaustive', ['--runs', '20']],
  ] as const)('%s: the saved counterexample replays to the same report, byte for byte', (strategy, extra) => {
    const check = kfmd('check', '--schedule', strategy, '--config', 'x86-A16', '--out', out, ...extra);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(1);
    const file = join(out, `v4.x86-A16.concurrent-${strategy}.json`);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; report: string; decisions: string };
    expect(saved.kind).toBe('concurrent');
    expect(check.stdout).toContain(saved.report);
    expect(saved.report).toMatch(/^ +step │ cpu0 /m);
    const replay = kfmd('replay', file);
    expect(replay.status).toBe(1);
    expect(replay.stdout).toBe(`${saved.report}\n`);
  });

  it('replayed against the locked implementation, the counterexample no longer fails', () => {
    const file = join(out, 'v4.x86-A16.concurrent-pct.json');
    const r = kfmd('replay', file, '--impl', 'locked');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no longer fails on locked/);
  });

  it('a malformed concurrent counterexample is a one-line usage error', () => {
    const bad = join(out, 'bad.json');
    writeFileSync(bad, JSON.stringify({ kfmd: 'counterexample', version: 1, kind: 'concurrent', impl: 'v4' }));
    const r = kfmd('replay', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      // one loader for both kinds (engine/core/counterexample.ts): the envelope is checked first
      /^kfmd: error: .*bad\.json is not a kfmd counterexample: "seed" is missing \(number\)\n$/,
    );
  });

  it('--json lists every configuration with its finding, sizes and time to find', () => {
    const r = kfmd('check', '--schedule', 'pct', '--arch', 'arm64', '--runs', '50', '--json', '--out', out);
    const report = JSON.parse(r.stdout) as {
      results: { config: string; holds: boolean; finding: string | null; cpus: number | null }[];
    };
    expect(report.results.length).toBeGreaterThan(5);
    for (const x of report.results) if (!x.holds) expect(x.cpus).toBeLessThanOrEqual(3);
  });

  it('bad concurrent options are usage errors', () => {
    expect(kfmd('check', '--schedule', 'pct', '--byte-order', '0,1,2').status).toBe(2);
    expect(kfmd('check', '--schedule', 'pct', '--entries-per-page', '3').status).toBe(2);
    expect(kfmd('check', '--schedule', 'dfs').status).toBe(2);
  });
});
