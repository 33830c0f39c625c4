export type TypedArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * `array` itself if `index` fits in it, else a copy whose length is doubled
 * until it does, with the new slots set to `fill`. Tables indexed by message id
 * grow with the run this way, so a run never needs to know its size up front.
 */
export function withRoomFor<T extends TypedArray>(array: T, index: number, fill = 0): T {
  if (index < array.length) return array;
  let length = Math.max(1, array.length);
  while (length <= index) length *= 2;
  return lengthened(array, length, fill);
}

/** A copy of `array` lengthened to `length`, its new slots set to `fill`: how per-slot tables grow. */
export function lengthened<T extends TypedArray>(array: T, length: number, fill = 0): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
