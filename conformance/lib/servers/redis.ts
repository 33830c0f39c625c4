/**
 * A private redis-server: its own port on 127.0.0.1, its own data directory, the
 * configuration given as command-line arguments (`--appendonly yes` ...). Redis starts in a few
 * milliseconds, so experiments that need a particular configuration start their own.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../ports.js";
import { type ManagedProcess, spawnProcess, stopProcess, waitForLogLine, waitForPort } from "../processes.js";
import { connectRedis } from "../redis.js";

export const REDIS_SERVER = "/usr/bin/redis-server";

/**
 * redis.conf directives by name, e.g. {appendonly: "yes", appendfsync: "always", save: "",
 * maxmemory: "1mb", "maxmemory-policy": "allkeys-lru"}. Values go to redis-server as given.
 */
export type RedisConfig = Record<string, string | number>;

/** What every server gets unless the config says otherwise: nothing saved, nothing shared. */
const DEFAULTS: RedisConfig = { save: "", appendonly: "no", "protected-mode": "no" };

export interface RedisServer {
  port: number;
  /** "7.0.15", from INFO server. */
  version: string;
  dir: string;
  config: RedisConfig;
  /** SIGKILL: a crash of the process (the page cache survives, unlike a host crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port, directory and config (after kill or stop). */
  restart(): Promise<void>;
  /** SHUTDOWN by SIGTERM (saves if `save` or AOF says so), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts redis-server in `dir` (created) on a fresh port; resolves once it accepts commands. */
export async function startRedis(dir: string, config: RedisConfig = {}): Promise<RedisServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const merged = { ...DEFAULTS, ...config };
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--daemonize",
    "no",
    ...configArgs(merged),
  ];
  let server = await launch(dir, port, args);
  const version = await serverVersion(port);
  return {
    port,
    version,
    dir,
    config: merged,
    kill: async () => {
      server.child.kill("SIGKILL");
      await server.exited;
    },
    restart: async () => {
      server = await launch(dir, port, args);
    },
    stop: async () => {
      await stopProcess(server, { graceMs: 5000 });
    },
  };
}

function configArgs(config: RedisConfig): string[] {
  return Object.entries(config).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

async function launch(dir: string, port: number, args: string[]): Promise<ManagedProcess> {
  const server = spawnProcess({
    name: `redis-server 127.0.0.1:${port}`,
    command: REDIS_SERVER,
    args,
    cwd: dir,
    logFile: join(dir, "redis.log"),
  });
  // The log line comes after the dataset is loaded (RDB or AOF), which a restart must wait for.
  await waitForLogLine(server, /Ready to accept connections/, 15_000);
  await waitForPort(server, port, 5000);
  return server;
}

async function serverVersion(port: number): Promise<string> {
  const client = await connectRedis(port);
  try {
    const info = await client.info("server");
    return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  } finally {
    client.disconnect();
  }
}
