/** All fields required (and not undefined). */
export type Required<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
