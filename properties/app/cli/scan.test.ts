import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SHT_PROGBITS } from '../../../impl/elf/constants.ts';
import { buildElf } from '../../../impl/elf/testing/synthetic.ts';
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

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];
/** SHF_ALLOC | SHF_EXECINSTR */
const TEXT_FLAGS = 0x6n;

/**
 * An x86 vmlinux (ELF64, no symbols) whose .text holds __fentry__ at 0 and n functions, each
 * 16-aligned after 16 × 0x90 (CONFIG_CALL_PADDING), entered `[endbr64;] call __fentry__; ret`;
 * every third one has no endbr64 (a static never address-taken).
 */
function x86Vmlinux(n: number): Uint8Array {
  const text = new Uint8Array(64 + n * 48).fill(0xcc);
  text[0] = 0xc3; // __fentry__: ret
  for (let i = 0; i < n; i++) {
    const ip = 64 + 48 * i + 16;
    text.fill(0x90, ip - 16, ip);
    const endbr = i % 3 !== 2;
    if (endbr) text.set(ENDBR64, ip);
    const call = endbr ? ip + 4 : ip;
    const rel = 0 - (call + 5);
    text.set([0xe8, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff, 0xc3], call);
  }
  return buildElf([{ name: '.text', type: SHT_PROGBITS, data: text, flags: TEXT_FLAGS, addralign: 16 }]);
}

/** A bzImage: one setup sector with the boot protocol 2.15 header, then the payload and its size trailer. */
function bzImage(payload: Uint8Array, decompressedSize: number): Uint8Array {
  const setupSects = 1;
  const start = (setupSects + 1) * 512;
  const stream = new Uint8Array(payload.length + 4);
  stream.set(payload);
  new DataView(stream.buffer).setUint32(payload.length, decompressedSize, true);
  const b = new Uint8Array(start + 0x40 + stream.length);
  const v = new DataView(b.buffer);
  b[0x1f1] = setupSects;
  v.setUint32(0x202, 0x53726448, true); // "HdrS"
  v.setUint16(0x206, 0x020f, true);
  v.setUint32(0x248, 0x40, true); // payload_offset, from the protected-mode code
  v.setUint32(0x24c, stream.length, true);
  b.set(stream, start + 0x40);
  return b;
}

/** Compressed with the system's xz or zstd (CI installs xz-utils and zstd): the kernel's own settings. */
function compress(tool: 'xz' | 'zstd', data: Uint8Array): Uint8Array {
  const args = tool === 'xz' ? ['--check=crc32', '-c'] : ['-19', '-c', '-q'];
  const r = spawnSync(tool, args, { input: data, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${tool} failed: ${String(r.stderr)}`);
  return new Uint8Array(r.stdout);
}

describe('kfmd scan on synthetic x86 images', () => {
  const elf = x86Vmlinux(30);
  const images: [string, () => Uint8Array, string[]][] = [
    ['a vmlinux ELF', () => elf, ['vmlinux ELF (x86-64, no symbols)']],
    ['a gzip bzImage', () => bzImage(gzipSync(elf), elf.length), ['bzImage', 'gzip at offset 1088']],
    ['a zstd bzImage', () => bzImage(compress('zstd', elf), elf.length), ['bzImage', 'zstd at offset 1088']],
    ['an xz bzImage', () => bzImage(compress('xz', elf), elf.length), ['bzImage', 'xz at offset 1088']],
  ];
  it.each(images)(
    '%s: every site found (with and without endbr64), fits x86-A16, attach-all verified',
    async (_w, make, layers) => {
      const s = await scanFile(make(), { impl: v4 });
      expect(s.layers.slice(0, layers.length)).toEqual(layers);
      expect(s.sites).toBe(30);
      expect(s.possible[0]).toBe('x86-A16');
      expect(s.attach?.attached).toBe(30);
      expect(s.attach?.windowsOk).toBe(30);
      expect(s.attach?.strayBytes).toBe(0);
      expect(s.attach?.verified).toBe(true);
    },
  );

  it('a bzImage whose payload is cut short is one line naming the stream, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfmd-scan-x86-'));
    const whole = bzImage(compress('zstd', elf), elf.length);
    const file = join(dir, 'vmlinuz');
    writeFileSync(file, whole.subarray(0, whole.length - 40));
    const r = kfmd('scan', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('truncated bzImage');
  });

  it.each(['xz', 'zstd'] as const)('a bzImage whose %s stream itself is cut short: one line, exit 2', (tool) => {
    const dir = mkdtempSync(join(tmpdir(), 'kfmd-scan-x86-'));
    const stream = compress(tool, elf);
    const file = join(dir, 'vmlinuz');
    writeFileSync(file, bzImage(stream.subarray(0, stream.length - 30), elf.length));
    const r = kfmd('scan', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`truncated or corrupt ${tool} stream`);
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
