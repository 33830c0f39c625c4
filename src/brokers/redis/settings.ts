import * as z from "zod";
import { builtOnce } from "../../units/built-once.js";
import { duration, durationDistribution } from "../../units/quantities.js";
import { brokerSection } from "../profile.js";

/**
 * Settings every Redis profile shares, named as redis.conf names them
 * (Redis 7.x defaults), plus the helpers that parse redis.conf's own units.
 */

/** redis.conf memory units: 1k = 1000, 1kb = 1024, 1m = 10^6, 1mb = 1024^2, 1g, 1gb; case-insensitive. */
const REDIS_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1024,
  m: 1e6,
  mb: 1024 ** 2,
  g: 1e9,
  gb: 1024 ** 3,
};
const REDIS_BYTES = /^\s*(\d+)\s*([a-z]*)\s*$/i;
const bytesExpected = "bytes as redis.conf writes them: 0, 1048576, 100mb, 2gb (1k = 1000, 1kb = 1024)";

export function parseRedisBytes(text: string): number | null {
  const match = REDIS_BYTES.exec(text);
  const scale = match ? REDIS_UNITS[match[2]!.toLowerCase()] : undefined;
  return match && scale !== undefined ? Number(match[1]) * scale : null;
}

/** A byte count written as redis.conf writes it, or a plain integer. */
export function redisBytes() {
  return z
    .union([z.number().int().min(0), z.string()])
    .transform((input, ctx) => {
      const bytes = typeof input === "number" ? input : parseRedisBytes(input);
      if (bytes !== null) return bytes;
      ctx.addIssue({ code: "custom", message: bytesExpected, input });
      return z.NEVER;
    })
    .meta({ description: bytesExpected });
}

export interface SavePoint {
  /** Microseconds since the last save. */
  after: number;
  /** Changes (writes) since the last save. */
  changes: number;
}

/** `save "3600 1 300 100"`: pairs of seconds and changes; "" disables RDB snapshots. */
export function parseSavePoints(text: string): SavePoint[] | null {
  const numbers = text.trim() === "" ? [] : text.trim().split(/\s+/).map(Number);
  if (numbers.length % 2 !== 0 || numbers.some((n) => !Number.isInteger(n) || n <= 0)) return null;
  const points: SavePoint[] = [];
  for (let i = 0; i < numbers.length; i += 2) points.push({ after: numbers[i]! * 1e6, changes: numbers[i + 1]! });
  return points;
}

const yesNo = (description: string) =>
  z
    .union([z.boolean(), z.enum(["yes", "no"])])
    .transform((value) => value === true || value === "yes")
    .meta({ description });

/**
 * Which Redis serves the keyed profiles. 7.0 serves a client blocked in BRPOP, BLMOVE or XREADGROUP
 * from blocked.c, which counts no change and checks no memory; from 7.2 on (blocked.c in 7.2.4 and
 * 7.4.1) the blocked command is run again through processCommand, so it counts its change as an
 * unblocked one does, and a denyoom one (BLMOVE) is refused with OOM when memory is over the limit.
 */
export const versionSetting = builtOnce(() => ({
  version: z.enum(["7.0", "7.2"]).default("7.0").meta({
    description:
      'Redis version: "7.0" (verified against 7.0.15), or "7.2" for 7.2 and later, which re-run a blocked command when it is served (it counts a change, and BLMOVE can then be refused with OOM)',
  }),
}));
export type RedisVersion = "7.0" | "7.2";

/** Persistence, from redis.conf. Pub/sub keeps nothing, so it has none of these. */
export const persistenceSettings = builtOnce(() => ({
  save: z
    .string()
    .default("3600 1 300 100 60 10000")
    .transform((text, ctx) => {
      const points = parseSavePoints(text);
      if (points !== null) return points;
      ctx.addIssue({ code: "custom", message: 'pairs of "<seconds> <changes>", e.g. "3600 1 300 100"; "" = no RDB' });
      return z.NEVER;
    })
    .meta({
      description:
        'RDB snapshot points as "<seconds> <changes>" pairs: snapshot when at least <changes> writes happened in the last <seconds>. "" disables RDB',
    }),
  appendonly: yesNo("AOF on or off; with AOF on, a restart loads the AOF rather than the RDB snapshot").default(false),
  appendfsync: z.enum(["always", "everysec", "no"]).default("everysec").meta({
    description:
      "with appendonly: fsync before every reply (always), once a second (everysec), or when the OS flushes, about every 30 s (no)",
  }),
}));

export const evictionPolicies = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;
export type EvictionPolicy = (typeof evictionPolicies)[number];

/** Memory limit and eviction, from redis.conf. */
export const memorySettings = builtOnce(() => ({
  maxmemory: redisBytes()
    .default(0)
    .meta({ description: "limit on used_memory (baseline + queue data with Redis's own overheads); 0 = unlimited" }),
  baselineMemory: redisBytes().default(1_000_000).meta({
    description:
      "used_memory with no queue data: Redis's startup memory and its clients' buffers (INFO memory of an empty server)",
  }),
  "maxmemory-policy": z.enum(evictionPolicies).default("noeviction").meta({
    description:
      "over maxmemory: refuse writes with an OOM error (noeviction), or evict whole keys (allkeys-*). Queue keys have no TTL, so volatile-* evict nothing and refuse like noeviction",
  }),
}));

export interface PersistenceSettings {
  save: SavePoint[];
  appendonly: boolean;
  appendfsync: "always" | "everysec" | "no";
}

export interface VersionSettings {
  version: RedisVersion;
}

export interface MemorySettings {
  maxmemory: number;
  baselineMemory: number;
  "maxmemory-policy": EvictionPolicy;
}

/** A queuesim-specific duration knob (an application setting, not a Redis one). */
export const appDuration = (fallback: string, description: string) =>
  duration().prefault(fallback).meta({ description });

/**
 * A Redis profile's `broker:` section. Redis runs commands on one thread at
 * ~75k ops/s without pipelining (redis-benchmark), so a publish costs ~13 us
 * of broker time by default.
 */
export function redisSection<Name extends string, Settings extends z.ZodType>(
  name: Name,
  summary: string,
  settings: Settings,
) {
  return brokerSection(name, summary, settings).extend({
    serviceTime: durationDistribution()
      .prefault("13us")
      .meta({ description: "broker work per publish, one at a time (Redis is single-threaded: ~75k ops/s)" }),
  });
}
