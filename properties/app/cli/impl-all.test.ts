import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../impls/mutants/index.ts';
import { DESIGNS } from '../../impls/registry.ts';
import { run } from './main.ts';

async function kfmd(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await run(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { status, out: stripVTControlCharacters(out), err: stripVTControlCharacters(err) };
}

const dir = mkdtempSync(join(tmpdir(), 'kfmd-all-'));
const designs = DESIGNS.map((d) => d.name);

describe('kfmd check --impl all', () => {
  it('one table: a column per built-in design (no mutant), both modes, n/a said once in a footnote', async () => {
    const t0 = performance.now();
    // --runs sets both halves: 100 sequential runs, 100 concurrent scenarios per round
    const args = ['--config', 'x86-A16', '--suite', 'foreign-bytes', '--runs', '100', '--out', dir];
    const r = await kfmd('check', '--impl', 'all', ...args);
    console.log(`kfmd check --impl all ${args.slice(0, 6).join(' ')}: ${Math.round(performance.now() - t0)} ms`);
    expect(r.err).toBe('');
    expect(r.status).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`kfmd check --impl all — ${designs.length} designs × 1 configurations, both modes, seed 42`);
    const header = lines.find((l) => l.startsWith('configuration '));
    expect(header?.split(/\s+/).slice(1)).toEqual(designs);
    for (const m of MUTANTS) expect(header).not.toContain(m.name);
    const cells = lines.find((l) => l.startsWith('x86-A16 '))?.split(/\s{2,}/) ?? [];
    // v4 leaks `used` after a foreign write (D3); locked holds here in both modes
    expect(cells[designs.indexOf('v4') + 1]).toMatch(/\bD3\b/);
    expect(cells[designs.indexOf('locked') + 1]).toBe('holds');
    // a design without an index in the text cannot take a foreign write: n/a, the reason below
    expect(lines.some((l) => /^\[\d+\] n\/a: suite foreign-bytes: /.test(l))).toBe(true);
    // and its checks of the text index do not judge it: said once, every such check named
    expect(
      lines.some((l) =>
        /^\[\d+\] n\/a: checks I7, window, I6, pokes, I3, I8: it reads an index instruction in the padding/.test(l),
      ),
    ).toBe(true);
  });

  it('--json: every cell, each mode apart, and the findings of both in order', async () => {
    const args = ['--config', 'arm64-md-1,1', '--suite', 'contract', '--runs', '100', '--json', '--out', dir];
    const r = await kfmd('check', '--impl', 'all', ...args);
    const json = JSON.parse(r.out) as {
      designs: string[];
      cells: { impl: string; sequential: string[]; concurrent: string[]; findings: string[] }[];
    };
    expect(json.designs).toEqual(designs);
    expect(json.cells.map((c) => c.impl)).toEqual(designs);
    for (const c of json.cells) expect(new Set(c.findings)).toEqual(new Set([...c.sequential, ...c.concurrent]));
    expect(json.cells.find((c) => c.impl === 'v4')?.concurrent.length).toBeGreaterThan(0);
  });
});
