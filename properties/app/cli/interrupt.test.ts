import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A check interrupted mid-run (Ctrl-C, or kill) prints the summary of what it checked, keeps every
 * counterexample it had found (each saved as it was found, and each replays), and exits 128 + the
 * signal number.
 */
const KFMD = join(import.meta.dirname, 'kfmd.mjs');

interface Ended {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly filesWhenSignalled: number;
}

/** Starts kfmd, waits until it has saved `files` counterexamples, sends `signal`, waits for the end. */
function interruptAfterFiles(args: readonly string[], out: string, files: number, signal: NodeJS.Signals) {
  return new Promise<Ended>((resolve, reject) => {
    const child = spawn(process.execPath, [KFMD, ...args, '--out', out], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    let filesWhenSignalled = -1;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      const n = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.json')).length : 0;
      if (n >= files && filesWhenSignalled < 0) {
        filesWhenSignalled = n;
        child.kill(signal);
      }
    }, 20);
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kfmd did not end: ${stderr}`));
    }, 240_000);
    child.on('close', (status) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ status, stdout, stderr, filesWhenSignalled });
    });
  });
}

function replays(out: string): number[] {
  return readdirSync(out).map(
    (f) => spawnSync(process.execPath, [KFMD, 'replay', join(out, f)], { encoding: 'utf8' }).status ?? -1,
  );
}

describe('interrupted checks', () => {
  it('sequential, SIGINT: the summary so far, "not run" cells, exit 130; every counterexample kept and replays', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kfmd-int-')), 'found');
    const r = await interruptAfterFiles(['check'], out, 2, 'SIGINT');
    expect(r.status, r.stderr).toBe(130);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^kfmd check — implementation v4, 46 configuration/);
    expect(r.stdout).toContain('not run');
    const m = /interrupted by SIGINT after (\d+) of (\d+) properties; (\d+) counterexample\(s\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    const [done, total, saved] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    expect(done).toBeLessThan(total);
    const files = readdirSync(out);
    // nothing half-written: every file is a whole counterexample, at least those seen before the signal
    expect(files.every((f) => f.endsWith('.json'))).toBe(true);
    expect(files.length).toBe(saved);
    expect(files.length).toBeGreaterThanOrEqual(r.filesWhenSignalled);
    expect(replays(out).every((s) => s === 1)).toBe(true);
  }, 300_000);

  it('--impl all, SIGINT: the cells finished so far, the rest "not run", exit 130; every counterexample replays', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kfmd-int-')), 'found');
    const r = await interruptAfterFiles(['check', '--impl', 'all'], out, 1, 'SIGINT');
    expect(r.status, r.stderr).toBe(130);
    expect(r.stdout).toContain('not run');
    const m = /interrupted by SIGINT after (\d+) of (\d+) cells; (\d+) counterexample\(s\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(Number(m?.[2]));
    const files = readdirSync(out);
    expect(files.length).toBe(Number(m?.[3]));
    expect(replays(out).every((s) => s === 1)).toBe(true);
  }, 300_000);

  it('concurrent, SIGTERM: the configurations searched so far, exit 143; every counterexample kept and replays', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kfmd-int-')), 'found');
    const r = await interruptAfterFiles(['check', '--schedule', 'random'], out, 1, 'SIGTERM');
    expect(r.status, r.stderr).toBe(143);
    const m = /interrupted by SIGTERM after (\d+) of (\d+) configurations; (\d+) counterexample\(s\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(Number(m?.[2]));
    const files = readdirSync(out);
    expect(files.length).toBe(Number(m?.[3]));
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(replays(out).every((s) => s === 1)).toBe(true);
  }, 300_000);
});
