import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { v4 } from '../../../impl/v4/store.ts';
import { scanFile } from '../scan/scan.ts';

const KFMD = fileURLToPath(new URL('./kfmd.mjs', import.meta.url));
const NOP = [0x1f, 0x20, 0x03, 0xd5];
const BODY = [0x3f, 0x23, 0x03, 0xd5]; // paciasp

function kfmd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KFMD, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A raw arm64 Image ("ARM\x64" at 0x38) with n functions of `before` pre-entry NOPs and 2 at the entry, entry-8 8-aligned. */
function arm64Image(n: number, before: number): Uint8Array {
  const b = new Uint8Array(0x100 + n * 64).fill(0xaa);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  for (let i = 0; i < n; i++) {
    const ip = 0x100 + 64 * i + 32;
    for (let w = -before; w < 2; w++) b.set(NOP, ip + 4 * w);
    b.set(BODY, ip + 8);
  }
  return b;
}

describe('kfmd scan on synthetic arm64 images', () => {
  it('mainline CALL_OPS (4,2): every site found, no configuration fits, the rebuilt one named', async () => {
    const s = await scanFile(arm64Image(12, 2), { impl: v4 });
    expect(s.sites).toBe(12);
    expect(s.layout.patchableEntry).toBe('4,2');
    expect(s.possible).toEqual([]);
    expect(s.why).toContain('ip-12');
    expect(s.rebuilt).toEqual(['arm64-callops-6,4']);
    expect(s.attach).toBeUndefined();
  });

  it('a 6,4 image (FUNCTION_METADATA): fits arm64-callops-6,4, attach-all verified; Image.gz the same', async () => {
    for (const bytes of [arm64Image(20, 4), gzipSync(arm64Image(20, 4))]) {
      const s = await scanFile(bytes, { impl: v4 });
      expect(s.possible).toEqual(['arm64-callops-6,4']);
      expect(s.attach?.attached).toBe(20);
      expect(s.attach?.windowsOk).toBe(20);
      expect(s.attach?.strayBytes).toBe(0);
      expect(s.attach?.verified).toBe(true);
    }
  });
});

describe('kfmd scan: bad input is one line and exit 2, before any work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfmd-scan-'));
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, new Uint8Array(4096).fill(7));
  const truncated = join(dir, 'Image.gz');
  const gz = gzipSync(arm64Image(4, 2));
  writeFileSync(truncated, gz.subarray(0, gz.length - 20));
  const cases: [string, string[], string][] = [
    ['a missing file', [join(dir, 'none')], 'no such file'],
    ['a directory', [dir], 'is a directory'],
    ['not a kernel image', [junk], 'not a kernel image'],
    ['a truncated gzip stream', [truncated], 'truncated or corrupt gzip stream'],
    ['a bad --limit', [junk, '--limit', 'x'], '--limit'],
    ['an unknown --config', [junk, '--config', 'nope'], 'nope'],
  ];
  for (const [what, args, text] of cases) {
    it(what, () => {
      const r = kfmd('scan', ...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(text);
    });
  }
});
