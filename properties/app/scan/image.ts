/**
 * Reading a real kernel image: a vmlinux (ELF64, with or without .symtab), an x86 bzImage /
 * vmlinuz (its compressed payload decompressed to the vmlinux inside), an arm64 `Image` (raw)
 * or `Image.gz`. What comes out is the executable code, as regions with their link addresses
 * (BigInt: kernel addresses exceed 2^53), and what the file says about itself.
 */
import { ElfError, SHT_PROGBITS, STT_FUNC, parseElf } from '../../../impl/elf/index.ts';
import type { ElfFile } from '../../../impl/elf/index.ts';
import { UsageError } from '../cli/errors.ts';
import { decompress, findPayload } from './decompress.ts';
import type { Compression } from './decompress.ts';

/** Executable bytes at a link address (an arm64 raw Image has none: offsets from its first byte). */
export interface TextRegion {
  readonly name: string;
  readonly addr: bigint;
  readonly bytes: Uint8Array;
}

export interface KernelImage {
  readonly arch: 'x86' | 'arm64';
  /** how the file was read, outermost first: e.g. ['bzImage', 'zstd', 'vmlinux ELF, no symbols'] */
  readonly layers: readonly string[];
  readonly regions: readonly TextRegion[];
  /** whether region addresses are link addresses (ELF) or offsets into a raw image */
  readonly linked: boolean;
  /** function symbols by address, when the ELF has a symbol table */
  readonly symbols: ReadonlyMap<bigint, string>;
  /** section names of an ELF image (objtool's .call_sites, .cfi_sites, ...); empty otherwise */
  readonly sections: ReadonlySet<string>;
}

/** sh_flags SHF_EXECINSTR */
const SHF_EXECINSTR = 0x4n;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
/** arm64 Image header: "ARM\x64" at 0x38 */
const ARM64_MAGIC_AT = 0x38;
const ARM64_MAGIC = [0x41, 0x52, 0x4d, 0x64];

function startsWith(b: Uint8Array, magic: readonly number[], at = 0): boolean {
  return b.length >= at + magic.length && magic.every((m, i) => b[at + i] === m);
}

export function isElf(b: Uint8Array): boolean {
  return startsWith(b, ELF_MAGIC);
}

export function isArm64Image(b: Uint8Array): boolean {
  return startsWith(b, ARM64_MAGIC, ARM64_MAGIC_AT);
}

/** Reads any supported image; bad input is a UsageError naming what is wrong. */
export async function readKernelImage(
  bytes: Uint8Array,
  onStage: (stage: string) => void = () => undefined,
): Promise<KernelImage> {
  if (isElf(bytes)) return fromElf(bytes, []);
  if (isArm64Image(bytes)) return fromArm64Image(bytes, []);
  const payload = findPayload(bytes);
  if (!payload) {
    throw new UsageError(
      'not a kernel image: no ELF header, no arm64 Image header, no bzImage setup header and no xz, zstd or gzip stream',
    );
  }
  onStage(`decompressing the ${payload.compression} payload at offset ${payload.offset}`);
  const inner = await decompress(payload.compression, payload.bytes, payload.sizeHint);
  const outer = [...(payload.bzImage ? ['bzImage'] : []), describe(payload.compression, payload.offset)];
  if (isElf(inner)) return fromElf(inner, outer);
  if (isArm64Image(inner)) return fromArm64Image(inner, outer);
  throw new UsageError(
    `not a kernel image: the ${payload.compression} stream at offset ${payload.offset} holds neither an ELF vmlinux nor an arm64 Image`,
  );
}

function describe(c: Compression, offset: number): string {
  return offset === 0 ? c : `${c} at offset ${offset}`;
}

function fromElf(bytes: Uint8Array, outer: readonly string[]): KernelImage {
  let elf: ElfFile;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    if (err instanceof ElfError) throw new UsageError(`not a readable vmlinux: ${err.message}`);
    throw err;
  }
  const machine = elf.header.machine;
  if (machine !== EM_X86_64 && machine !== EM_AARCH64) {
    throw new UsageError(`not an x86-64 or arm64 kernel: ELF e_machine is ${machine}`);
  }
  const regions: TextRegion[] = [];
  try {
    for (const s of elf.sections) {
      if (s.type !== SHT_PROGBITS || (s.flags & SHF_EXECINSTR) === 0n || s.size === 0n) continue;
      regions.push({ name: s.name, addr: s.addr, bytes: elf.bytesOf(s) });
    }
  } catch (err) {
    if (err instanceof ElfError) throw new UsageError(`not a readable vmlinux: ${err.message}`);
    throw err;
  }
  if (regions.length === 0) throw new UsageError('not a kernel image: the ELF file has no executable section');
  const symbols = new Map<bigint, string>();
  let symtab = 0;
  try {
    for (const s of elf.symbols()) {
      if (s.type === STT_FUNC && s.name !== '' && !symbols.has(s.value)) symbols.set(s.value, s.name);
      symtab++;
    }
  } catch (err) {
    if (err instanceof ElfError) throw new UsageError(`not a readable vmlinux: ${err.message}`);
    throw err;
  }
  const what = `vmlinux ELF (${machine === EM_X86_64 ? 'x86-64' : 'arm64'}, ${symtab > 0 ? `${symbols.size} function symbols` : 'no symbols'})`;
  return {
    arch: machine === EM_X86_64 ? 'x86' : 'arm64',
    layers: [...outer, what],
    regions,
    linked: true,
    symbols,
    sections: new Set(elf.sections.map((s) => s.name)),
  };
}

/**
 * An arm64 raw Image: one region, the whole file (text, rodata and data alike: without symbols
 * the end of the text is not known, and only the text holds ftrace sites).
 */
function fromArm64Image(bytes: Uint8Array, outer: readonly string[]): KernelImage {
  return {
    arch: 'arm64',
    layers: [...outer, 'arm64 Image (raw, no symbols)'],
    regions: [{ name: 'Image', addr: 0n, bytes }],
    linked: false,
    symbols: new Map(),
    sections: new Set(),
  };
}
