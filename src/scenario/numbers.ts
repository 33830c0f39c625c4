/**
 * Every plain number in a scenario must be finite and no larger in magnitude than the largest
 * exact integer in a double. YAML turns `.inf`, `.nan` and `1e400` into Infinity and NaN, and no
 * count, probability, factor or weight is meaningful beyond 2^53; checking the whole parsed
 * document here covers every numeric field of every schema (scenario, broker profiles, faults)
 * at once, rather than field by field. Fields with tighter sane ranges state them in their schema.
 */
export const MAX_PLAIN_NUMBER = Number.MAX_SAFE_INTEGER;

export interface UnusableNumber {
  path: (string | number)[];
  value: number;
}

/** Numbers that are not finite or too large, in document order, with their field paths. */
export function unusableNumbers(data: unknown): UnusableNumber[] {
  const found: UnusableNumber[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === "number") {
      if (!(Math.abs(value) <= MAX_PLAIN_NUMBER)) found.push({ path, value });
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) visit(value[index], [...path, index]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(data, []);
  return found;
}

/** True when one path lies inside (or is) the other: a problem there is the same problem. */
export function overlaps(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  const shorter = a.length <= b.length ? a : b;
  const longer = shorter === a ? b : a;
  return shorter.every((segment, index) => longer[index] === segment);
}
