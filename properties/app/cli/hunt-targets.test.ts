import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { allConfigurations } from '../../../model/config/index.ts';
import { run } from './main.ts';

async function kfmd(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await run(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { status, out: stripVTControlCharacters(out), err: stripVTControlCharacters(err) };
}

interface Race {
  readonly race: string;
  readonly config: string;
  readonly found: boolean;
  readonly against: string | null;
  readonly reference: string | null;
}

const dir = mkdtempSync(join(tmpdir(), 'kfmd-hunt-targets-'));

async function hunt(...args: string[]): Promise<Race[]> {
  const r = await kfmd('check', '--schedule', 'pct', '--hunt', '--json', '--out', dir, ...args);
  expect(r.err).toBe('');
  return JSON.parse(r.out) as Race[];
}

/** The races a configuration can show are derived from it (engine/concurrent/targets.ts), not fixed to x86-A16. */
describe('kfmd check --hunt honours --config and --arch', () => {
  it('an x86 configuration: every race, on that configuration', async () => {
    const races = await hunt('--config', 'x86-B-kcfi', '--runs', '50');
    expect(races.map((x) => x.race)).toEqual(['D1', 'D2', 'D6', 'D7-warn', 'D7-index', 'NORCU', 'D16']);
    expect(new Set(races.map((x) => x.config))).toEqual(new Set(['x86-B-kcfi']));
  });

  it('an arm64 configuration: no torn-write races, and the report says why', async () => {
    const races = await hunt('--config', 'arm64-md8-2,2', '--runs', '50');
    expect(races.map((x) => x.race)).toEqual(['D1', 'D2', 'D6', 'NORCU', 'D16']);
    expect(races.every((x) => x.config === 'arm64-md8-2,2')).toBe(true);
    const text = await kfmd(
      'check',
      '--schedule',
      'pct',
      '--hunt',
      '--config',
      'arm64-md8-2,2',
      '--runs',
      '50',
      '--out',
      dir,
    );
    expect(text.out).toMatch(
      /^not searched: D7-warn, D7-index on 1 configuration\(s\) — arm64 writes the index in one aligned word store/m,
    );
  });

  it('--arch arm64: each arm64 configuration, and nothing else', async () => {
    const races = await hunt('--arch', 'arm64', '--runs', '10');
    const arm64 = allConfigurations().filter((c) => c.arch === 'arm64');
    expect([...new Set(races.map((x) => x.config))]).toEqual(arm64.map((c) => c.name));
    expect(races).toHaveLength(arm64.length * 5);
  });

  it('without either: the default hunt, each race once (D16 on arm64)', async () => {
    const races = await hunt('--runs', '1', '--time-limit', '1');
    expect(races.map((x) => `${x.race}@${x.config}`)).toEqual([
      'D1@x86-A16',
      'D2@x86-A16',
      'D6@x86-A16',
      'D7-warn@x86-A16',
      'D7-index@x86-A16',
      'NORCU@x86-A16',
      'D16@arm64-md-1,1',
    ]);
  });
});

describe('kfmd check --hunt --against: differential, with a catch-all per configuration', () => {
  it('grow-publish-before-copy against v4: its own race is found, and v4 holds on that run', async () => {
    const races = await hunt(
      '--impl',
      'mutant:grow-publish-before-copy',
      '--against',
      'v4',
      '--config',
      'x86-A16',
      '--runs',
      '1000',
    );
    expect(races.map((x) => x.race)).toEqual(['D1', 'D2', 'D6', 'D7-warn', 'D7-index', 'NORCU', 'D16', 'other']);
    expect(races.every((x) => x.against === 'v4')).toBe(true);
    const other = races.find((x) => x.race === 'other');
    expect(other?.found).toBe(true);
    // the unfilled array: v4, on the same programs and schedule, holds
    expect(other?.reference).toBeNull();
  });

  it('v4 against v4: nothing', async () => {
    const races = await hunt('--against', 'v4', '--config', 'x86-A16', '--runs', '100');
    expect(races.filter((x) => x.found)).toEqual([]);
  });
});
