/** The reports carry window bytes as "b8 00 00 00 00"; the page decodes them back to bytes. */
export function parseHex(text: string): number[] | null {
  const parts = text
    .trim()
    .split(/\s+/)
    .filter((p) => p.length > 0);
  const bytes = parts.map((p) => (/^[0-9a-f]{2}$/i.test(p) ? parseInt(p, 16) : Number.NaN));
  return bytes.some((b) => Number.isNaN(b)) ? null : bytes;
}

export function hexAddress(addr: number): string {
  return `0x${addr.toString(16)}`;
}
