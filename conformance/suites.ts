/** Every broker suite, one line each, in the order they run. */

import { bullmqSuite } from "./bullmq/suite.js";
import { kafkaSuite } from "./kafka/suite.js";
import type { BrokerSuite } from "./lib/experiment.js";
import { rabbitmqSuite } from "./rabbitmq/suite.js";
import { redisSuite } from "./redis/suite.js";

export const suites: readonly BrokerSuite<unknown>[] = [rabbitmqSuite, redisSuite, kafkaSuite, bullmqSuite];
