import * as z from "zod";

/**
 * The `{weights: {value: weight}}` half of a producer field that is either one
 * value or a weighted mix drawn per message (priority, routingKey). Values are
 * the record's keys, as text; `keyProblem` says why a key is not a valid value.
 */
export function weightedMixSchema(options: {
  noun: string;
  keyProblem: (key: string) => string | null;
  description: string;
}) {
  return z.strictObject({
    weights: z
      .record(z.string(), z.number().positive())
      .superRefine((weights, ctx) => {
        const keys = Object.keys(weights);
        if (keys.length === 0)
          ctx.addIssue({ code: "custom", message: `give at least one ${options.noun} and its weight` });
        for (const key of keys) {
          const problem = options.keyProblem(key);
          if (problem !== null) ctx.addIssue({ code: "custom", path: [key], message: problem });
        }
      })
      .meta({ description: options.description }),
  });
}
