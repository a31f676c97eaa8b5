/**
 * What sits in the padding before a function entry, as half-open byte ranges relative to
 * the entry (so all offsets are negative or zero).
 */
export type OccupantKind = 'md' | 'kcfi' | 'fineibt' | 'bhi' | 'thunk' | 'callops' | 'nop';

/** [start, end) relative to the entry; start inclusive, end exclusive, both <= 0. */
export interface Occupant {
  readonly kind: OccupantKind;
  readonly start: number;
  readonly end: number;
}

export function occupant(kind: OccupantKind, start: number, end: number): Occupant {
  return Object.freeze({ kind, start, end });
}

/** Sorts by start (then end) without touching the input. */
export function sortOccupants(list: readonly Occupant[]): Occupant[] {
  return [...list].sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Adds 'nop' occupants for every byte of [-size, 0) that no placed occupant covers, and
 * returns the whole list sorted. Placed occupants may overlap each other; the fill never
 * overlaps anything.
 */
export function fillWithNops(size: number, placed: readonly Occupant[]): Occupant[] {
  const covered = new Array<boolean>(size).fill(false);
  for (const o of placed) {
    for (let off = o.start; off < o.end; off++) covered[off + size] = true;
  }
  const nops: Occupant[] = [];
  let runStart: number | null = null;
  for (let i = 0; i <= size; i++) {
    const free = i < size && !covered[i];
    if (free && runStart === null) runStart = i;
    if (!free && runStart !== null) {
      nops.push(occupant('nop', runStart - size, i - size));
      runStart = null;
    }
  }
  return sortOccupants([...placed, ...nops]);
}

/** 'md[-16,-11)': compact form for tables. */
export function formatOccupant(o: Occupant): string {
  return `${o.kind}[${o.start},${o.end})`;
}

/** 'md[-16,-11) nop[-11,0)' */
export function formatStrip(list: readonly Occupant[]): string {
  return list.map(formatOccupant).join(' ');
}

/** Every overlapping pair, in list order, as 'md [-19,-14) overlaps fineibt [-16,0)'. */
export function describeOverlaps(list: readonly Occupant[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      if (a.start < b.end && b.start < a.end) {
        out.push(`${a.kind} [${a.start},${a.end}) overlaps ${b.kind} [${b.start},${b.end})`);
      }
    }
  }
  return out;
}
