/**
 * Persistence: kill -9 of redis-server with the AOF on loses no acknowledged write, whatever
 * appendfsync says, because Redis write(2)s the AOF before it replies and the page cache outlives
 * the process. (A host crash would lose the unsynced tail; that cannot be caused here.)
 */
import type { Run } from "../../src/index.js";
import type { Experiment, Figures } from "../lib/experiment.js";
import { connectRedis } from "../lib/redis.js";
import { sleep } from "../lib/wait.js";
import { pacedWriter } from "./common.js";
import type { RedisFixture } from "./suite.js";

const PER_SECOND = 1000;
const KILL_AFTER_MS = 1500;

function aofKill(fsync: "everysec" | "no" | "always"): Experiment<RedisFixture> {
  return {
    id: `redis/aof-${fsync}-kill`,
    title: `kill -9 with appendfsync ${fsync} loses no acknowledged write`,
    behaviour: "broker crash (process), redis-list persistence: AOF",
    description:
      `A redis-server with appendonly yes and appendfsync ${fsync} takes RPUSHes at ${PER_SECOND}/s from one ` +
      `client; ${KILL_AFTER_MS} ms in it is SIGKILLed, then restarted on the same data directory. Counted: ` +
      "acknowledged writes missing from the list after the restart (the AOF's unsynced tail is in the page " +
      "cache, which a process crash does not touch).",
    async real(fixture, context) {
      const server = await fixture.start(context.dir, { appendonly: "yes", appendfsync: fsync });
      const client = await connectRedis(server.port);
      const writer = pacedWriter(client, "queue", PER_SECOND);
      await sleep(KILL_AFTER_MS);
      await server.kill();
      await writer.done;
      await server.restart();
      const survived = await (await connectRedis(server.port)).llen("queue");
      context.log(`${writer.state.acknowledged} acknowledged, ${survived} in the list after the restart`);
      return { acknowledgedLost: Math.max(0, writer.state.acknowledged - survived) };
    },
    scenario: () => ({
      name: `redis-aof-${fsync}-kill`,
      seed: 1,
      duration: "2s",
      broker: { profile: "redis-list", settings: { appendonly: "yes", appendfsync: fsync } },
      producers: [{ name: "writer", arrival: { process: "constant", rate: `${PER_SECOND}/s` } }],
      // Nobody reads during the run: what survives is counted when the consumer drains at the end.
      consumers: [{ group: "readers", processing: "0ms" }],
      faults: [
        { at: 0, crash: "consumer", target: "readers" },
        { at: `${KILL_AFTER_MS}ms`, crash: "broker", mode: "process", restartAfter: "100ms" },
      ],
    }),
    simulated: (run: Run): Figures => ({ acknowledgedLost: run.summary.messages.lost }),
    rules: { acknowledgedLost: { kind: "exact" } },
  };
}

export const aofEverysecKill = aofKill("everysec");
export const aofNoKill = aofKill("no");
export const aofAlwaysKill = aofKill("always");
