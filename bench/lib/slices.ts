/**
 * Several ways measured in short slices, the ways in rotating order slice after slice, so that the
 * machine's drift (its speed moves within seconds here) hits all ways alike — one burst per way
 * and round lets a slow second land on one way only. `run(way)` runs one slice of a way and returns
 * what it spent (ms, µs of CPU…); the result is, per way, what each round spent in all its slices.
 */
export async function spentInSlices<W>(
  ways: readonly W[],
  { rounds, slices }: { rounds: number; slices: number },
  run: (way: W) => Promise<number>,
): Promise<number[][]> {
  const spent = ways.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const sums = ways.map(() => 0);
    for (let b = 0; b < slices; b++) {
      for (let j = 0; j < ways.length; j++) {
        const k = (round + b + j) % ways.length;
        sums[k]! += await run(ways[k]!);
      }
    }
    for (const [k, sum] of sums.entries()) spent[k]!.push(sum);
  }
  return spent;
}

/** `count` calls of `send`, `concurrency` of them in flight at a time (each worker takes the next). */
export async function drive(send: () => Promise<unknown>, count: number, concurrency = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await send();
    }),
  );
}
