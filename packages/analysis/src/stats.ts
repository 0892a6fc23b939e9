// Small, allocation-light statistics helpers shared by the metric modules.

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Population standard deviation (we describe the recording itself, not a sample of a population). */
export function standardDeviation(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Percentile with linear interpolation between closest ranks (numpy's default), p in [0, 100]. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = sortedCopy(values);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Ascending copy. Short arrays (the onset detector takes a median of ~20 pitch frames on each side of
 * every 10 ms frame) are insertion-sorted into a reused buffer: allocating and sorting a typed array
 * per call cost more than the sorting itself. The buffer is only read before the next call.
 */
function sortedCopy(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n > SMALL_SORT) return Float64Array.from(values).sort();
  const out = smallSortBuffer.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let j = i - 1;
    // NaN sorts last, as in a typed array's sort.
    while (j >= 0 && (out[j]! > v || (Number.isNaN(out[j]!) && !Number.isNaN(v)))) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = v;
  }
  return out;
}
const SMALL_SORT = 64;
const smallSortBuffer = new Float64Array(SMALL_SORT);

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

export function toDb(power: number, floorDb = -120): number {
  return power > 0 ? Math.max(floorDb, 10 * Math.log10(power)) : floorDb;
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
