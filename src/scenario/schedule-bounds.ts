import * as z from "zod";
import { delayFigureNames } from "../brokers/delays.js";
import { scheduleFigureNames } from "../model/recurring.js";
import { boundsOn } from "./patterns.js";

/**
 * `expect.schedules` and `expect.delays`: bounds on a recurring producer's ticks and on the broker's
 * delayed messages, named as summary.json's `schedules.<producer>` and `delays` state them
 * (docs/patterns.md, "Delayed, scheduled and recurring messages").
 */
export const expectScheduleFields = {
  schedules: z.record(z.string(), boundsOn(scheduleFigureNames)).optional().meta({
    description: "bounds on a recurring producer's ticks, by producer with schedule: {reports: {missed: {max: 0}}}",
  }),
  delays: boundsOn(delayFigureNames).optional().meta({
    description: "bounds on the broker's delayed messages: {blockedByHead: {max: 0}} (RabbitMQ's head-of-line expiry)",
  }),
};

/** `expect.schedules` naming a producer without `schedule:`, and `expect.delays` where no producer delays. */
export function expectScheduleProblems(scenario: {
  producers: readonly { name: string; schedule?: unknown; delay?: unknown; notBefore?: unknown }[];
  expect: { schedules?: object | undefined; delays?: object | undefined };
}): { path: (string | number)[]; message: string; candidates: string[] }[] {
  const recurring = scenario.producers.filter((p) => p.schedule !== undefined).map((p) => p.name);
  const list = recurring.length === 0 ? "there is none" : `known: ${recurring.join(", ")}`;
  const problems = Object.keys(scenario.expect.schedules ?? {})
    .filter((name) => !recurring.includes(name))
    .map((name) => ({
      path: ["expect", "schedules", name],
      message: `"${name}" is not a producer with schedule (${list})`,
      candidates: recurring,
    }));
  const delays = scenario.producers.some((p) => p.delay !== undefined || p.notBefore !== undefined);
  if (scenario.expect.delays !== undefined && !delays)
    problems.push({
      path: ["expect", "delays"],
      message: `"delays" bounds delayed messages, but no producer has delay or notBefore`,
      candidates: [],
    });
  return problems;
}
