/**
 * A private RabbitMQ node from Debian's rabbitmq-server package, run as the current user (root
 * in CI) with everything under one directory: data (mnesia), logs, config, the Erlang cookie.
 * It listens on 127.0.0.1 only, on ports nobody else in this run has, registers with its own
 * epmd on a private port, and uses a node name of its own, so it neither sees nor disturbs a
 * system RabbitMQ that the package install may have started (5672, 25672, epmd 4369).
 *
 * Quirks worth knowing:
 * - /usr/sbin/rabbitmq-server is Debian's wrapper: as root it `su`s to the rabbitmq user,
 *   resetting HOME and reading /var/lib/rabbitmq. We run the script behind it,
 *   /usr/lib/rabbitmq/bin/rabbitmq-server, directly.
 * - That script is a shell that runs the Erlang VM (beam.smp) as a background job in its own
 *   process group; beam's helper erl_child_setup calls setsid, so killing "the tree" means the
 *   group and every descendant (see processes.ts). epmd is ours, in the foreground, not the
 *   daemon Erlang would otherwise fork.
 * - /etc/rabbitmq/rabbitmq-env.conf and advanced.config are pointed away from, so the host's
 *   configuration never leaks in.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "amqplib";
import { freePort } from "../ports.js";
import {
  describeExit,
  killTree,
  type ManagedProcess,
  processError,
  spawnProcess,
  stopProcess,
  waitForPort,
} from "../processes.js";
import { sleep } from "../wait.js";

const SCRIPTS = "/usr/lib/rabbitmq/bin";

/**
 * rabbitmq.conf directives by key, e.g. {heartbeat: 5, consumer_timeout: 10000}. They are
 * written one per line as `key = value`.
 */
export type RabbitConfig = Record<string, string | number | boolean>;

export interface RabbitServer {
  /** amqp://guest:guest@127.0.0.1:<port> */
  url: string;
  port: number;
  nodename: string;
  /** "3.10.8": the `version` server property of the AMQP handshake. */
  version: string;
  dir: string;
  /** How long the last start took, until AMQP accepted a connection. */
  startMs: number;
  /** The Erlang VM's PID (changes on restart). */
  beamPid(): number;
  /** SIGKILL of the Erlang VM: the node dies without closing a connection or writing anything. */
  kill(): Promise<void>;
  /** Starts the node again with the same data directory, ports and config (after kill or stop). */
  restart(): Promise<void>;
  /** Clean shutdown (SIGTERM; SIGKILL after 20 s), then stops epmd. */
  stop(): Promise<void>;
  /** Runs rabbitmqctl against this node (boots an Erlang VM: about a second). */
  ctl(...args: string[]): Promise<string>;
}

export interface StartRabbitOptions {
  /** Give up on a start after this long (default 60 s: a cold start on a busy 2-core machine). */
  startTimeoutMs?: number;
}

/** Starts a node in `dir` (created); resolves once AMQP accepts a connection. */
export async function startRabbitMq(
  dir: string,
  config: RabbitConfig = {},
  options: StartRabbitOptions = {},
): Promise<RabbitServer> {
  const ports = { amqp: await freePort(), dist: await freePort(), epmd: await freePort() };
  const env = prepare(dir, ports, config);
  const epmd = await startEpmd(dir, ports.epmd, env);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const url = `amqp://guest:guest@127.0.0.1:${ports.amqp}`;
  let node = await launch(dir, env, url, timeoutMs);
  const server: RabbitServer = {
    url,
    port: ports.amqp,
    nodename: env.RABBITMQ_NODENAME,
    version: node.version,
    dir,
    startMs: node.startMs,
    beamPid: () => node.beamPid,
    kill: async () => {
      // The wrapper outlives the VM, so a running wrapper means the VM's PID is still its own.
      if (!node.process.exitStatus) killTree(node.beamPid, "SIGKILL");
      await stopProcess(node.process, { graceMs: 5000 });
    },
    restart: async () => {
      node = await launch(dir, env, url, timeoutMs);
      server.startMs = node.startMs;
    },
    stop: async () => {
      await stopProcess(node.process, { graceMs: 20_000 });
      await stopProcess(epmd, { graceMs: 2000 });
    },
    ctl: (...args) => rabbitmqctl(env, args),
  };
  return server;
}

type NodeEnv = Record<string, string> & { RABBITMQ_NODENAME: string };

/** Writes the cookie, config and empty plugin list, and returns the node's environment. */
function prepare(dir: string, ports: { amqp: number; dist: number; epmd: number }, config: RabbitConfig): NodeEnv {
  for (const sub of ["home", "mnesia", "log"]) mkdirSync(join(dir, sub), { recursive: true });
  // Erlang refuses a cookie file that others can read.
  writeFileSync(join(dir, "home/.erlang.cookie"), `QUEUESIMCONFORMANCE${ports.amqp}`, { mode: 0o600 });
  writeFileSync(join(dir, "rabbitmq.conf"), configText(config));
  writeFileSync(join(dir, "enabled_plugins"), "[].\n");
  writeFileSync(join(dir, "rabbitmq-env.conf"), "# empty: keeps /etc/rabbitmq/rabbitmq-env.conf out\n");
  return {
    HOME: join(dir, "home"),
    RABBITMQ_NODENAME: `qs${ports.amqp}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(ports.amqp),
    RABBITMQ_DIST_PORT: String(ports.dist),
    ERL_EPMD_PORT: String(ports.epmd),
    ERL_EPMD_ADDRESS: "127.0.0.1",
    RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_LOGS: "-", // the node's log on stdout, so one file holds everything
    RABBITMQ_PID_FILE: join(dir, "beam.pid"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, "advanced.config"),
    RABBITMQ_CONF_ENV_FILE: join(dir, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
    // Our epmd is already running; distribution only on loopback.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
  };
}

function configText(config: RabbitConfig): string {
  return `${Object.entries(config)
    .map(([key, value]) => `${key} = ${value}`)
    .join("\n")}\n`;
}

async function startEpmd(dir: string, port: number, env: NodeEnv): Promise<ManagedProcess> {
  const epmd = spawnProcess({
    name: `epmd 127.0.0.1:${port}`,
    command: "epmd",
    args: ["-port", String(port), "-address", "127.0.0.1"],
    env,
    logFile: join(dir, "log/epmd.log"),
  });
  await waitForPort(epmd, port, 10_000);
  return epmd;
}

interface RunningNode {
  process: ManagedProcess;
  beamPid: number;
  version: string;
  startMs: number;
}

async function launch(dir: string, env: NodeEnv, url: string, timeoutMs: number): Promise<RunningNode> {
  const started = Date.now();
  writeFileSync(env.RABBITMQ_PID_FILE!, "");
  const process = spawnProcess({
    name: `rabbitmq ${env.RABBITMQ_NODENAME}`,
    command: join(SCRIPTS, "rabbitmq-server"),
    env,
    cwd: dir,
    logFile: join(dir, "log/node.log"),
  });
  const version = await waitForAmqp(process, url, timeoutMs);
  return { process, beamPid: readBeamPid(env.RABBITMQ_PID_FILE!, process), version, startMs: Date.now() - started };
}

/** Connects until AMQP answers (the listener opens last in the boot); returns the server's version. */
async function waitForAmqp(node: ManagedProcess, url: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect(url);
      const version = String(connection.connection.serverProperties.version ?? "unknown");
      await connection.close();
      return version;
    } catch {
      if (node.exitStatus) throw processError(node, `exited (${describeExit(node.exitStatus)}) while starting`);
      if (Date.now() > deadline) throw processError(node, `AMQP did not answer within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

function readBeamPid(pidFile: string, node: ManagedProcess): number {
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) throw processError(node, `no Erlang VM PID in ${pidFile}`);
  return pid;
}

function rabbitmqctl(env: NodeEnv, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(SCRIPTS, "rabbitmqctl"), ["-n", env.RABBITMQ_NODENAME, ...args], {
      env: { ...process.env, ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`rabbitmqctl ${args.join(" ")}: exit ${code}\n${output}`)),
    );
  });
}
