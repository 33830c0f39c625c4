/**
 * RDB save points as serverCron applies them: `save "1 1"` forks a BGSAVE only when
 * unixtime - lastsave > 1 in whole seconds, checked every 100 ms, so every 2 s, not every
 * second; a kill -9 loses every write since the last fork.
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep } from "../lib/wait.js";
import { infoField, pacedWriter } from "./common.js";
import type { RedisFixture } from "./suite.js";

const PER_SECOND = 500;
const WRITE_MS = 10_500;

/** The same workload for both experiments: RPUSHes at 500/s, nobody reading until the end. */
function scenario(name: string, crash: boolean) {
  return {
    name,
    seed: 1,
    // The real writer stops at WRITE_MS; the kill comes at WRITE_MS, inside the run.
    duration: `${crash ? WRITE_MS + 500 : WRITE_MS}ms`,
    broker: { profile: "redis-list", settings: { save: "1 1" } },
    producers: [{ name: "writer", arrival: { process: "constant", rate: `${PER_SECOND}/s` } }],
    consumers: [{ group: "readers", processing: "0ms" }],
    faults: [
      { at: 0, crash: "consumer", target: "readers" },
      ...(crash ? [{ at: `${WRITE_MS}ms`, crash: "broker", mode: "process", restartAfter: "100ms" }] : []),
    ],
  };
}

export const rdbSaveCadence: Experiment<RedisFixture> = {
  id: "redis/rdb-save-cadence",
  title: 'save "1 1" snapshots every 2 s, not every second',
  behaviour: "RDB save points (serverCron: whole unix seconds, strictly greater, 100 ms ticks)",
  description:
    `A redis-server with save "1 1" takes RPUSHes at ${PER_SECOND}/s for ${WRITE_MS / 1000} s. Counted: ` +
    "rdb_saves (BGSAVEs started, INFO persistence) at the end. A save point holds when unixtime - lastsave " +
    "> 1 s, and lastsave is set when the parent sees the child done, so saves come every 2 s.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { save: "1 1" });
    const client = await connectRedis(server.port);
    const writer = pacedWriter(client, "queue", PER_SECOND);
    await sleep(WRITE_MS);
    await writer.stop();
    const saves = await infoField(client, "persistence", "rdb_saves");
    context.log(`${writer.state.acknowledged} writes, ${saves} saves`);
    return { rdbSaves: saves };
  },
  scenario: () => scenario("redis-rdb-save-cadence", false),
  simulated: (run: Run): Figures => ({ rdbSaves: run.result.brokerFigures?.rdb_saves ?? Number.NaN }),
  rules: {
    rdbSaves: {
      kind: "band",
      absolute: 1,
      why: "a save falls every 2.0-2.1 s at a 100 ms tick whose phase against the unix second is the server's; the last one can fall just inside or outside the window",
    },
  },
};

export const rdbSaveKill: Experiment<RedisFixture> = {
  id: "redis/rdb-save-kill",
  title: 'kill -9 with save "1 1" loses the writes since the last fork: up to 2 s of them',
  behaviour: "broker crash (process), redis-list persistence: RDB",
  description:
    `A redis-server with save "1 1" and no AOF takes RPUSHes at ${PER_SECOND}/s; ${WRITE_MS / 1000} s in it ` +
    "is SIGKILLed and restarted on the same data directory, which loads the last snapshot. Counted: " +
    "acknowledged writes missing after the restart.",
  async real(fixture, context) {
    const server = await fixture.start(context.dir, { save: "1 1" });
    const client = await connectRedis(server.port);
    const writer = pacedWriter(client, "queue", PER_SECOND);
    await sleep(WRITE_MS);
    await server.kill();
    await writer.done;
    await server.restart();
    const survived = await (await connectRedis(server.port)).llen("queue");
    context.log(`${writer.state.acknowledged} acknowledged, ${survived} after the restart`);
    return { acknowledgedLost: Math.max(0, writer.state.acknowledged - survived) };
  },
  scenario: () => scenario("redis-rdb-save-kill", true),
  simulated: (run: Run): Figures => ({ acknowledgedLost: run.summary.messages.lost }),
  rules: {
    acknowledgedLost: {
      kind: "within",
      min: 0,
      max: 1050,
      why: "forks come every 2.0-2.1 s at cron ticks whose phase against the kill is arbitrary, so a kill loses 0-2.1 s of writes at 500/s (the model, with time 0 on a whole second, forks at 10.0 s and loses the last 0.5 s)",
    },
  },
};
