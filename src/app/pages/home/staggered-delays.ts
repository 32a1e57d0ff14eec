/** The longest server delay of a staggered batch, in ms. */
const STAGGER_MS = 400;

/** The demo's "staggered 0–400 ms": request i (from 0) of `n` asks the server to wait i × 400 / (n − 1) ms. */
export function staggeredDelays(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((i * STAGGER_MS) / Math.max(n - 1, 1)));
}
