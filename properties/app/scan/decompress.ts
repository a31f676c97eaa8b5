/**
 * The compressed payload of a kernel image and its decompression: gzip (node:zlib), zstd
 * (`fzstd`, pure JavaScript) and xz (`xz-decompress`, liblzma's decoder compiled to WebAssembly:
 * no native build, runs on Node 20; the other npm xz readers are native bindings (`lzma-native`)
 * or LZMA1-only (`lzma`, `lzma-purejs`)). Each stream is decoded exactly to its end, so what follows
 * it (the kernel's 4-byte size trailer, the rest of a bzImage) is never mistaken for data, and a
 * stream cut short is an error, not a short result.
 */
import { createRequire } from 'node:module';
import { crc32, inflateRawSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { XzReadableStream as XzStream } from 'xz-decompress';
import { UsageError } from '../cli/errors.ts';

// xz-decompress is a CommonJS bundle whose export Node's ESM loader cannot see by name
const { XzReadableStream } = createRequire(import.meta.url)('xz-decompress') as { XzReadableStream: typeof XzStream };

export type Compression = 'gzip' | 'zstd' | 'xz';

const MAGICS: readonly (readonly [Compression, readonly number[]])[] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['gzip', [0x1f, 0x8b, 0x08]],
];

export interface Payload {
  readonly compression: Compression;
  /** offset of the stream in the file */
  readonly offset: number;
  /** the stream and whatever follows it inside its container */
  readonly bytes: Uint8Array;
  /** the container says how long the decompressed data is (the kernel's size_append trailer) */
  readonly sizeHint?: number;
  /** found through an x86 boot protocol setup header (payload_offset / payload_length) */
  readonly bzImage: boolean;
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function compressionAt(b: Uint8Array, at: number): Compression | undefined {
  return MAGICS.find(([, m]) => b.length >= at + m.length && m.every((x, i) => b[at + i] === x))?.[0];
}

/**
 * The compressed stream in a file: through the bzImage setup header ("HdrS" at 0x202, boot
 * protocol 2.08+: payload_offset at 0x248 and payload_length at 0x24c, from the protected-mode
 * code at (setup_sects + 1) × 512), else the first xz, zstd or gzip magic in the file.
 */
export function findPayload(b: Uint8Array): Payload | undefined {
  if (b.length >= 0x250 && u32(b, 0x202) === 0x53726448 && u16(b, 0x206) >= 0x208) {
    const setupSects = b[0x1f1] === 0 ? 4 : b[0x1f1];
    const offset = (setupSects + 1) * 512 + u32(b, 0x248);
    const length = u32(b, 0x24c);
    if (offset + length > b.length) {
      throw new UsageError(
        `truncated bzImage: the setup header puts the payload at ${offset}..${offset + length}, the file is ${b.length} bytes`,
      );
    }
    const compression = compressionAt(b, offset);
    if (!compression) {
      throw new UsageError(`bzImage payload at offset ${offset} is not xz, zstd or gzip (unsupported compression)`);
    }
    const bytes = b.subarray(offset, offset + length);
    // every compressor but gzip is followed by the decompressed size (scripts/Makefile.lib size_append)
    const sizeHint = compression === 'gzip' || length < 4 ? undefined : u32(bytes, length - 4);
    return { compression, offset, bytes, bzImage: true, ...(sizeHint !== undefined ? { sizeHint } : {}) };
  }
  let first: { compression: Compression; offset: number } | undefined;
  for (const [compression, magic] of MAGICS) {
    const at = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Uint8Array.from(magic));
    if (at >= 0 && (!first || at < first.offset)) first = { compression, offset: at };
  }
  if (!first) return undefined;
  return { ...first, bytes: b.subarray(first.offset), bzImage: false };
}

function corrupt(c: Compression, detail: string): UsageError {
  return new UsageError(`truncated or corrupt ${c} stream: ${detail}`);
}

/** Decompresses one stream (what follows it is ignored); a short or damaged stream is a UsageError. */
export async function decompress(c: Compression, bytes: Uint8Array, sizeHint?: number): Promise<Uint8Array> {
  const out = c === 'gzip' ? gunzip(bytes) : c === 'zstd' ? unzstd(bytes) : await unxz(bytes, sizeHint !== undefined);
  if (sizeHint !== undefined && out.length !== sizeHint) {
    throw corrupt(c, `${out.length} bytes decompressed, the image's size trailer says ${sizeHint}`);
  }
  return out;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** RFC 1952: header (optional FEXTRA, FNAME, FCOMMENT, FHCRC), raw deflate, CRC32 and ISIZE, checked. */
function gunzip(b: Uint8Array): Uint8Array {
  if (b.length < 18) throw corrupt('gzip', `${b.length} bytes, shorter than any gzip member`);
  const flg = b[3];
  let p = 10;
  if (flg & 4) p += 2 + u16(b, 10);
  for (const bit of [8, 16]) {
    if (flg & bit) {
      while (p < b.length && b[p] !== 0) p++;
      p++;
    }
  }
  if (flg & 2) p += 2;
  if (p >= b.length) throw corrupt('gzip', 'the header runs past the end of the file');
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateRawSync(b.subarray(p), { info: true }) as unknown as typeof result;
  } catch (err) {
    throw corrupt('gzip', message(err));
  }
  const end = p + result.engine.bytesWritten;
  if (end + 8 > b.length) throw corrupt('gzip', 'the CRC32 / ISIZE trailer is missing');
  const out = new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.byteLength);
  if (u32(b, end) !== crc32(out) >>> 0) throw corrupt('gzip', 'CRC32 mismatch');
  if (u32(b, end + 4) !== out.length >>> 0) throw corrupt('gzip', 'ISIZE mismatch');
  return out;
}

/**
 * RFC 8878: the length of the first zstd frame, walked block by block (3-byte block headers;
 * an RLE block carries one byte), so fzstd decodes exactly one frame.
 */
export function zstdFrameLength(b: Uint8Array): number {
  const short = (): UsageError => corrupt('zstd', `the frame runs past the end of the data (${b.length} bytes)`);
  if (b.length < 6) throw short();
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag] ?? 0;
  let p = 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
  for (;;) {
    if (p + 3 > b.length) throw short();
    const h = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
    const last = h & 1;
    const type = (h >> 1) & 3;
    if (type === 3) throw corrupt('zstd', `reserved block type at offset ${p}`);
    p += 3 + (type === 1 ? 1 : h >>> 3);
    if (last) break;
  }
  if (fhd & 4) p += 4;
  if (p > b.length) throw short();
  return p;
}

function unzstd(b: Uint8Array): Uint8Array {
  const frame = b.subarray(0, zstdFrameLength(b));
  try {
    return zstdDecompress(frame);
  } catch (err) {
    throw corrupt('zstd', message(err));
  }
}

/**
 * xz through xz-decompress's stream. The stream's own end is not known before decoding, so a
 * payload with the kernel's 4-byte size trailer is given without it.
 */
async function unxz(b: Uint8Array, trailer: boolean): Promise<Uint8Array> {
  const data = trailer ? b.subarray(0, b.length - 4) : b;
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = new XzReadableStream(input).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch (err) {
    throw corrupt('xz', message(err));
  }
}
