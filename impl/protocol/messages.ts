import { z } from 'zod';
import { ProtocolFailure } from './failure.ts';

/**
 * The messages an implementation sends (PROTOCOL.md), validated with zod: whatever does not
 * match is malformed, and the failure names the field and what was wrong with it.
 */

/**
 * An address or a 64-bit value: garbage pointers above 2^53 arrive rounded, as the TypeScript
 * loads return them (zod's int() stops at 2^53).
 */
const u64 = z
  .number()
  .min(0)
  .max(2 ** 64)
  .refine(Number.isInteger, 'expected an integer');
const u8 = z.number().int().min(0).max(0xff);
/** a u32 bit pattern, or the same word as an int */
const word = z.number().int().min(-0x8000_0000).max(0xffff_ffff);
const i32 = z.number().int().min(-0x8000_0000).max(0x7fff_ffff);
const count = z.number().int().nonnegative();
const text = z.string().max(4096);
const lockName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a C identifier');

const lockRule = z.enum(['caller-holds', 'takes']);
export const declaresSchema = z.strictObject({
  index: z.enum(['padding-insn', 'padding-pointer', 'none']),
  slotPolicy: z.enum(['lowest-free', 'any-free']),
  locking: z.strictObject({ get: lockRule, put: lockRule, put_by_ip: lockRule }),
  readers: z.strictObject({ rcu: z.boolean(), norcu: z.boolean() }),
  reuse: z.enum(['immediate', 'after-grace']).optional(),
  allocates: z.enum(['array', 'array-and-md']).optional(),
  insnOffset: z.number().int().min(0).max(4096).optional(),
  arrayFrom: z.enum(['pages', 'kvmalloc']).optional(),
  pastMaxOrder: z.enum(['asks-allocator', 'refuses']).optional(),
});

/** The first look at a hello: only its version, so another version is named before its shape is judged. */
export const helloVersionSchema = z.object({ t: z.literal('hello'), version: z.number().int() });

export const helloSchema = z.strictObject({
  t: z.literal('hello'),
  version: z.number().int(),
  name: z.string().min(1).max(200),
  description: text,
  declares: declaresSchema,
});
export type Hello = z.infer<typeof helloSchema>;

const at = { addr: u64 };
export const messageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('load8'), ...at }),
  z.strictObject({ t: z.literal('load32'), ...at }),
  z.strictObject({ t: z.literal('load64'), ...at }),
  z.strictObject({ t: z.literal('store8'), ...at, value: u8 }),
  z.strictObject({ t: z.literal('store32'), ...at, value: word }),
  z.strictObject({ t: z.literal('store64'), ...at, value: u64 }),
  z.strictObject({ t: z.literal('mutex_lock'), lock: lockName }),
  z.strictObject({ t: z.literal('mutex_unlock'), lock: lockName }),
  z.strictObject({ t: z.literal('rcu_read_lock') }),
  z.strictObject({ t: z.literal('rcu_read_unlock') }),
  z.strictObject({ t: z.literal('synchronize_rcu') }),
  z.strictObject({ t: z.literal('alloc_pages'), order: count }),
  z.strictObject({ t: z.literal('free_pages'), ...at, order: count }),
  z.strictObject({ t: z.literal('warn'), site: text, message: text }),
  z.strictObject({ t: z.literal('define_static'), name: lockName, bytes: z.array(u8).max(4096) }),
  z.strictObject({ t: z.literal('is_mapped'), ...at, size: count }),
  z.strictObject({
    t: z.literal('peek'),
    ...at,
    size: z
      .number()
      .int()
      .min(0)
      .max(1 << 24),
  }),
  z.strictObject({ t: z.literal('bug'), message: text }),
  z.strictObject({ t: z.literal('ret'), value: z.unknown().optional() }),
]);
export type Message = z.infer<typeof messageSchema>;
export type MessageType = Message['t'];
export type Call = Exclude<Message, { t: 'ret' } | { t: 'bug' }>;

/** What each verb returns. */
export const mdValueSchema = u64;
export const trampolineValueSchema = z.strictObject({ md: u64, users: i32, func: u64 });
export const viewValueSchema = z.strictObject({
  arrayBase: u64,
  count: word,
  used: word,
  order: z.number().int(),
  entriesPerPage: count,
  layout: z.strictObject({ size: count, users: count, func: count }),
  entries: z.array(z.strictObject({ md: u64, users: i32, func: u64 })),
  retained: z.array(u64).optional(),
});

/** One line of the implementation as JSON, or a failure naming what is wrong with it. */
export function parseLine<T>(schema: z.ZodType<T>, line: string, during: string): T {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw malformed(during, 'not JSON', line);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw malformed(during, describeIssue(parsed.error), line);
}

/** A value (a verb's return) checked against its schema. */
export function parseValue<T>(schema: z.ZodType<T>, value: unknown, during: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw malformed(during, `return value: ${describeIssue(parsed.error)}`, JSON.stringify(value) ?? 'nothing');
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'malformed';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function malformed(during: string, what: string, line: string): ProtocolFailure {
  const excerpt = line.length > 160 ? `${line.slice(0, 160)}…` : line;
  return new ProtocolFailure(`malformed message during ${during}: ${what} (got ${excerpt})`, true);
}
