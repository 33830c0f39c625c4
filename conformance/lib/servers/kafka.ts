/**
 * Real Apache Kafka for the conformance suite: one node, or a cluster of combined broker+controller
 * nodes, in KRaft mode, run from the jars conformance/kafka/fetch-jars.sh caches (Maven Central),
 * with `java -cp '<cache>/lib/*' kafka.Kafka`. Every node listens on private 127.0.0.1 ports and
 * keeps its data, configuration and logs under the folder it is given.
 *
 * Private helpers (free ports, spawn/wait/kill) live here until they are folded into
 * conformance/lib/ports.ts and processes.ts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Admin, Kafka, type KafkaConfig, logLevel } from "kafkajs";

/** Server properties, as in server.properties. */
export type KafkaSettings = Record<string, string | number | boolean>;

export interface KafkaOptions {
  /** A private loopback port (RealContext.port); by default one the kernel hands out. */
  port?: () => Promise<number>;
  /** A line for the suite's log. */
  log?: (line: string) => void;
  /** Server properties over the defaults below (e.g. `{"broker.session.timeout.ms": 6000}`). */
  settings?: KafkaSettings;
  /** Give up waiting for the node(s) after this long (default 90 s). */
  readyTimeoutMs?: number;
  /** JVM heap, in MB (default 256). */
  heapMb?: number;
}

/** One Kafka process: a broker and a KRaft controller (voter). */
export interface KafkaNode {
  /** Its node.id (1, 2, 3, ...). */
  readonly id: number;
  /** Its client listener, "127.0.0.1:<port>". */
  readonly address: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Its folder: server.properties, log4j2.properties, data/, server.log, stdout.log. */
  readonly dir: string;
  /** The JVM's process id while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL: a crash. Resolves when the JVM is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a controlled shutdown), SIGKILL after `graceMs` (default 20 s). Resolves when the JVM is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Starts it again with the same data, configuration and ports, and waits until it serves clients. */
  restart(): Promise<void>;
  /** The last lines of its server.log and stdout. */
  logTail(lines?: number): string;
}

export interface KafkaCluster {
  /** The server's version, as its log reports it ("Kafka version: 4.4.0"). */
  readonly version: string;
  /** Every node's client listener, "127.0.0.1:<port>". */
  readonly bootstrap: string[];
  readonly nodes: KafkaNode[];
  readonly dir: string;
  /** How long formatting and starting took until every node served clients, in ms (fetching the jars not included). */
  readonly startMs: number;
  /** A kafkajs client on this cluster with logging off (kafkajs logs noisily), `config` over the defaults. */
  client(config?: Partial<KafkaConfig>): Kafka;
  /** The node by node.id. */
  node(id: number): KafkaNode;
  /** node.id of each partition's leader (-1 while it has none), by partition. */
  partitionLeaders(topic: string): Promise<Map<number, number>>;
  /** The node.id of the active KRaft controller, from the nodes' logs (the last to announce it). */
  activeController(): number | undefined;
  /** Waits until every running node serves clients and every partition of `topics` has its full ISR. */
  waitInSync(topics: string[], timeoutMs?: number): Promise<void>;
  /**
   * Stops every node at once: SIGTERM, then SIGKILL after `graceMs` (default 5 s; nodes stopping
   * together lose their controller quorum, and the last can hang in controlled shutdown).
   */
  stop(graceMs?: number): Promise<void>;
}

const HOST = "127.0.0.1";
const here = dirname(fileURLToPath(import.meta.url));
const FETCH_JARS = resolve(here, "../../kafka/fetch-jars.sh");

/** One node: RF 1 everywhere. */
export function startKafkaSingle(dir: string, options: KafkaOptions = {}): Promise<KafkaCluster> {
  return startKafka(dir, 1, {}, options);
}

/** `size` nodes (default 3), each broker and controller: replication factor `size` by default, min.insync.replicas 2. */
export function startKafkaCluster(dir: string, size = 3, options: KafkaOptions = {}): Promise<KafkaCluster> {
  const replicas = Math.min(size, 3);
  const minIsr = Math.min(2, replicas);
  return startKafka(
    dir,
    size,
    {
      "default.replication.factor": replicas,
      "min.insync.replicas": minIsr,
      "offsets.topic.replication.factor": replicas,
      "transaction.state.log.replication.factor": replicas,
      "transaction.state.log.min.isr": minIsr,
    },
    options,
  );
}

/** The folder of the cached jars, fetching them first if needed (fetch-jars.sh; instant when cached). */
export function kafkaLibDir(): string {
  let out: string;
  try {
    out = execFileSync("bash", [FETCH_JARS], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
  } catch (error) {
    const e = error as { status?: number | null; stdout?: string; stderr?: string };
    throw new Error(`${FETCH_JARS} failed (exit ${e.status}):\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  const lib = out.trim().split("\n").at(-1) ?? "";
  if (!existsSync(lib)) throw new Error(`fetch-jars.sh printed no jar folder (got "${out.trim()}")`);
  return lib;
}

async function startKafka(
  dir: string,
  size: number,
  clusterSettings: KafkaSettings,
  options: KafkaOptions,
): Promise<KafkaCluster> {
  const log = options.log ?? (() => {});
  const fetching = Date.now();
  const lib = kafkaLibDir();
  log(`kafka jars in ${lib} (${Date.now() - fetching} ms)`);
  const started = Date.now();
  const classpath = `${lib}/*`;
  const jarVersion = readdirSync(lib)
    .map((name) => /^kafka_2\.13-(.+)\.jar$/.exec(name)?.[1])
    .find((v) => v !== undefined);
  const port = options.port ?? freePort;
  const ports: { port: number; controllerPort: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ port: await port(), controllerPort: await port() });
  const voters = ports.map((p, i) => `${i + 1}@${HOST}:${p.controllerPort}`).join(",");
  // A cluster id is 16 random bytes in URL-safe base64 without padding, as `kafka-storage random-uuid`
  // prints; like Kafka's Uuid.randomUuid, never one starting with "-" (the tool would take it for an option).
  let clusterId = randomBytes(16).toString("base64url");
  while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
  const jvm = [
    `-Xmx${options.heapMb ?? 256}m`,
    "-Xms64m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
  ];

  const nodes = ports.map((p, i) => {
    const id = i + 1;
    const nodeDir = join(dir, `node-${id}`);
    mkdirSync(nodeDir, { recursive: true });
    const settings: KafkaSettings = {
      "process.roles": "broker,controller",
      "node.id": id,
      "controller.quorum.voters": voters,
      listeners: `PLAINTEXT://${HOST}:${p.port},CONTROLLER://${HOST}:${p.controllerPort}`,
      "advertised.listeners": `PLAINTEXT://${HOST}:${p.port}`,
      "controller.listener.names": "CONTROLLER",
      "inter.broker.listener.name": "PLAINTEXT",
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "log.dirs": join(nodeDir, "data"),
      "num.partitions": 1,
      "default.replication.factor": 1,
      "min.insync.replicas": 1,
      "offsets.topic.replication.factor": 1,
      // Fewer __consumer_offsets partitions than the 50 default: created faster, lighter on a shared machine.
      "offsets.topic.num.partitions": 10,
      "transaction.state.log.replication.factor": 1,
      "transaction.state.log.min.isr": 1,
      "group.initial.rebalance.delay.ms": 0,
      "auto.create.topics.enable": false,
      "num.network.threads": 2,
      "num.io.threads": 2,
      "num.recovery.threads.per.data.dir": 1,
      // The log cleaner's dedupe buffer defaults to 128 MB: in a 256 MB heap three nodes ran out of memory
      // starting it. The suite's topics are never compacted, so 16 MB is plenty.
      "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
      ...clusterSettings,
      ...options.settings,
    };
    writeFileSync(join(nodeDir, "server.properties"), properties(settings));
    writeFileSync(join(nodeDir, "log4j2.properties"), log4jConfig(join(nodeDir, "server.log")));
    return new Node(id, nodeDir, p.port, p.controllerPort, [
      ...jvm,
      `-Dlog4j2.configurationFile=${join(nodeDir, "log4j2.properties")}`,
      "-cp",
      classpath,
    ]);
  });

  try {
    for (const node of nodes) node.format(clusterId);
    for (const node of nodes) node.spawn();
    const cluster = new Cluster(dir, nodes, jarVersion ?? "unknown", options.readyTimeoutMs ?? 90_000);
    await cluster.waitServing(options.readyTimeoutMs ?? 90_000);
    cluster.startMs = Date.now() - started;
    cluster.version = nodes[0]?.reportedVersion() ?? cluster.version;
    log(
      `kafka ${cluster.version}: ${size} node(s) serving at ${cluster.bootstrap.join(",")} after ${cluster.startMs} ms (${dir})`,
    );
    return cluster;
  } catch (error) {
    const tails = nodes.map((n) => `--- node ${n.id} (${n.dir}) ---\n${n.logTail(30)}`).join("\n");
    await Promise.all(nodes.map((n) => n.kill()));
    throw new Error(`Kafka did not start: ${(error as Error).message}\n${tails}`);
  }
}

/** Every JVM this module started and has not seen exit: killed if the Node process exits first. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

class Node implements KafkaNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** How the JVM last ended ("SIGKILL", "exit code 1"). */
  lastExit = "";
  readonly address: string;
  cluster: Cluster | undefined;

  constructor(
    readonly id: number,
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly jvm: string[],
  ) {
    this.address = `${HOST}:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  format(clusterId: string): void {
    const args = [...this.jvm, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", this.config];
    try {
      execFileSync(javaBinary(), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    } catch (error) {
      const e = error as { status?: number | null; stdout?: string; stderr?: string };
      const output = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(0, 20).join("\n");
      throw new Error(`formatting node ${this.id} (kafka.tools.StorageTool) failed, exit ${e.status}:\n${output}`);
    }
  }

  spawn(): void {
    if (this.child) throw new Error(`node ${this.id} is already running (pid ${this.child.pid})`);
    const out = openSync(join(this.dir, "stdout.log"), "a");
    const child = spawn(javaBinary(), [...this.jvm, "kafka.Kafka", this.config], { stdio: ["ignore", out, out] });
    closeSync(out);
    this.child = child;
    live.add(child);
    this.exited = new Promise((done) => {
      child.once("exit", (code, signal) => {
        this.lastExit = signal ?? `exit code ${code}`;
        live.delete(child);
        if (this.child === child) this.child = undefined;
        done();
      });
      child.once("error", () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        done();
      });
    });
  }

  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    if (this.child) throw new Error(`node ${this.id} is still running: kill() or stop() it first`);
    this.spawn();
    const timeout = this.cluster?.readyTimeoutMs ?? 90_000;
    try {
      await waitFor(`node ${this.id} to serve clients`, timeout, () => this.serving());
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logTail(30)}`);
    }
  }

  /** True when it answers a metadata request that lists it among the live brokers. */
  async serving(): Promise<boolean> {
    if (!this.child) throw new Error(`node ${this.id} exited (${this.lastExit}; see ${join(this.dir, "server.log")})`);
    return (await brokersSeenBy([this.address])).includes(this.id);
  }

  logTail(lines = 20): string {
    const tail = (file: string) => {
      const path = join(this.dir, file);
      if (!existsSync(path)) return `(no ${file})`;
      return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    };
    return `${tail("server.log")}\n[stdout]\n${tail("stdout.log")}`;
  }

  /** "4.4.0" from the server's "Kafka version: 4.4.0" line. */
  reportedVersion(): string | undefined {
    const path = join(this.dir, "server.log");
    if (!existsSync(path)) return undefined;
    return /Kafka version: (\S+)/.exec(readFileSync(path, "utf8"))?.[1];
  }

  /** The highest epoch at which it became the active controller, or -1. */
  controllerEpoch(): number {
    const path = join(this.dir, "server.log");
    if (!existsSync(path)) return -1;
    let epoch = -1;
    for (const m of readFileSync(path, "utf8").matchAll(/Becoming the active controller at epoch (\d+)/g)) {
      epoch = Math.max(epoch, Number(m[1]));
    }
    return epoch;
  }

  private get config(): string {
    return join(this.dir, "server.properties");
  }
}

class Cluster implements KafkaCluster {
  readonly bootstrap: string[];
  startMs = 0;

  constructor(
    readonly dir: string,
    readonly nodes: Node[],
    public version: string,
    readonly readyTimeoutMs: number,
  ) {
    this.bootstrap = nodes.map((n) => n.address);
    for (const node of nodes) node.cluster = this;
  }

  client(config: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
      clientId: "queuesim-conformance",
      brokers: this.bootstrap,
      logLevel: logLevel.NOTHING,
      ...config,
    });
  }

  node(id: number): KafkaNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no Kafka node ${id} (nodes: ${this.nodes.map((n) => n.id).join(", ")})`);
    return node;
  }

  async partitionLeaders(topic: string): Promise<Map<number, number>> {
    return withAdmin(this.runningAddresses(), 5, async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const leaders = new Map<number, number>();
      for (const p of metadata.topics[0]?.partitions ?? []) leaders.set(p.partitionId, p.leader);
      return leaders;
    });
  }

  activeController(): number | undefined {
    let best: Node | undefined;
    let bestEpoch = -1;
    for (const node of this.nodes) {
      const epoch = node.controllerEpoch();
      if (epoch > bestEpoch) [best, bestEpoch] = [node, epoch];
    }
    // A node that was killed stays the last to have announced it until another takes over.
    return best?.running ? best.id : undefined;
  }

  async waitServing(timeoutMs: number): Promise<void> {
    const ids = this.nodes.map((n) => n.id);
    await waitFor(`${ids.length} Kafka node(s) to serve clients`, timeoutMs, async () => {
      for (const node of this.nodes) if (!node.running) throw new Error(`node ${node.id} exited (${node.lastExit})`);
      const seen = await brokersSeenBy(this.bootstrap);
      return ids.every((id) => seen.includes(id));
    });
  }

  async waitInSync(topics: string[], timeoutMs = 60_000): Promise<void> {
    await waitFor(`full ISRs of ${topics.join(", ")}`, timeoutMs, async () => {
      for (const node of this.nodes) if (node.running && !(await node.serving())) return false;
      return withAdmin(this.runningAddresses(), 5, async (admin) => {
        const metadata = await admin.fetchTopicMetadata({ topics });
        return metadata.topics.every((t) =>
          t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length),
        );
      });
    });
  }

  async stop(graceMs = 5000): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(graceMs)));
  }

  private runningAddresses(): string[] {
    return this.nodes.filter((n) => n.running).map((n) => n.address);
  }
}

/** node.ids of the brokers a metadata request to `brokers` lists; [] if none answers. */
async function brokersSeenBy(brokers: string[]): Promise<number[]> {
  try {
    return await withAdmin(brokers, 0, async (admin) => (await admin.describeCluster()).brokers.map((b) => b.nodeId));
  } catch {
    return [];
  }
}

/** Runs `use` with a kafkajs admin on `brokers` that retries each request `retries` times (100-500 ms apart). */
async function withAdmin<T>(brokers: string[], retries: number, use: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: "queuesim-conformance-admin",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    // A killed broker stays in the metadata until the controller fences it: retry past it.
    retry: { retries, initialRetryTime: 100, maxRetryTime: 500 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Polls `ready` every 200 ms until it is true; an error it throws ends the wait at once. */
async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A loopback port the kernel reports free. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") done(address.port);
        else fail(new Error("no port"));
      });
    });
  });
}

function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, "bin", "java") : "java";
}

function properties(settings: KafkaSettings): string {
  return `${Object.entries(settings)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n")}\n`;
}

function log4jConfig(file: string): string {
  return [
    "status = warn",
    "appender.file.type = File",
    "appender.file.name = FILE",
    `appender.file.fileName = ${file}`,
    "appender.file.layout.type = PatternLayout",
    "appender.file.layout.pattern = [%d] %p %m (%c)%n",
    "rootLogger.level = INFO",
    "rootLogger.appenderRef.file.ref = FILE",
    "",
  ].join("\n");
}
