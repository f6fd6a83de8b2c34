/** Rolling budget windows count spend in 60 buckets: it leaves the window at most one bucket late. */
export const bucketSize = (windowMs: number): number => Math.max(1, Math.ceil(windowMs / 60));

export const bucketOf = (at: number, size: number): number => Math.floor(at / size);
