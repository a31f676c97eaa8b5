import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const KFMD = join(import.meta.dirname, '..', 'cli', 'kfmd.mjs');

/** `kfmd check --schedule pct --hunt` against v4: every known race found, small, and replayable. */
describe('kfmd check --hunt', () => {
  it('finds D1, D2, D6, D7 (both byte orders), the unprotected reader and D16 (arm64) on v4, each within 3 CPUs and 6 operations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfmd-hunt-'));
    const r = spawnSync(process.execPath, [KFMD, 'check', '--schedule', 'pct', '--hunt', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const races = JSON.parse(r.stdout) as {
      race: string;
      found: boolean;
      cpus: number;
      ops: number;
      timeToFindMs: number;
      file: string;
    }[];
    expect(races.map((x) => x.race)).toEqual(['D1', 'D2', 'D6', 'D7-warn', 'D7-index', 'NORCU', 'D16']);
    for (const x of races) {
      expect(x.found, x.race).toBe(true);
      expect(x.cpus).toBeLessThanOrEqual(3);
      expect(x.ops).toBeLessThanOrEqual(6);
      expect(x.timeToFindMs).toBeLessThan(60_000);
    }
    const replay = spawnSync(process.execPath, [KFMD, 'replay', races[4].file], { cwd: dir, encoding: 'utf8' });
    expect(replay.status).toBe(1);
    expect(replay.stdout).toContain('D7-index');
  }, 180_000);
});
