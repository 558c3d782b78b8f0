/** Counts kept per key (per user, per address): taken back one at a time, the key gone at zero. */

/** Takes one from `key`'s count, removing the key when none is left, so the map holds only live keys. */
export function decrementCount<K>(counts: Map<K, number>, key: K): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
