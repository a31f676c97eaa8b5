/** Validation and lookup over the supported configurations of both arches. */
import type { KernelOptions } from './options.ts';
import { ConfigError } from './configuration.ts';
import type { Configuration } from './configuration.ts';
import { buildX86, rejectX86 } from './x86.ts';
import { buildArm64, rejectArm64 } from './arm64.ts';
import { allOptions } from './enumerate.ts';

export type Validation = { ok: true; config: Configuration } | { ok: false; reason: string };

export function validateOptions(o: KernelOptions): Validation {
  const reason = o.arch === 'x86' ? rejectX86(o) : rejectArm64(o);
  if (reason !== null) return { ok: false, reason };
  return { ok: true, config: o.arch === 'x86' ? buildX86(o) : buildArm64(o) };
}

let cache: readonly Configuration[] | null = null;
let byName: ReadonlyMap<string, Configuration> | null = null;

/** Reading order for tables: simple layouts first, variants next to their base. */
function sortKey(c: Configuration): number[] {
  const o = c.options;
  const b = (x: boolean): number => (x ? 1 : 0);
  if (o.arch === 'arm64') return [1, b(o.callOps), b(o.withArgs), b(o.alignment8b), b(o.bti)];
  const kase = !o.cfiClang ? 0 : o.callThunks || o.fineibt ? 2 : 1;
  const mode = ['off', 'kcfi', 'fineibt'].indexOf(o.cfiMode);
  const enc = ['feb2025', 'pre2025', 'later'].indexOf(o.fineibtEncoding);
  return [
    0,
    kase,
    o.functionAlignment,
    b(o.caseCReading === 'intent'),
    mode,
    enc,
    b(o.fineibt),
    b(o.callThunks),
    b(o.thunksActive),
  ];
}

function compareConfigurations(a: Configuration, b: Configuration): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < ka.length; i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Every valid configuration: x86 first, then arm64, in reading order (see sortKey). */
export function allConfigurations(): readonly Configuration[] {
  if (cache === null) {
    const valid: Configuration[] = [];
    for (const o of allOptions()) {
      const v = validateOptions(o);
      if (v.ok) valid.push(v.config);
    }
    valid.sort(compareConfigurations);
    cache = Object.freeze(valid);
  }
  return cache;
}

export function configurationByName(name: string): Configuration {
  byName ??= new Map(allConfigurations().map((c) => [c.name, c]));
  const found = byName.get(name);
  if (found === undefined) {
    const known = allConfigurations()
      .map((c) => c.name)
      .join(', ');
    throw new ConfigError(`unknown configuration "${name}" (known: ${known})`);
  }
  return found;
}
