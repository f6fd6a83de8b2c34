/** The symbol `util.inspect` looks for (a `Symbol.for` key, so the core needs no `node:util`). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

type Inspect = (value: unknown, options?: object) => string;

/**
 * Make an object that holds secrets (the catalog with its keys) show only `summary()` to
 * `util.inspect`, `console.log` and `JSON.stringify`, at any depth, whoever holds a reference.
 * Both hooks are non-enumerable own properties, so they never show up themselves.
 */
export function opaque(target: object, name: string, summary: () => Record<string, unknown>): void {
  Object.defineProperty(target, INSPECT, {
    value: (_depth: number, options: object, inspect?: Inspect) =>
      `${name} ${inspect ? inspect(summary(), options) : JSON.stringify(summary())}`,
    enumerable: false,
  });
  Object.defineProperty(target, 'toJSON', { value: () => ({ ...summary() }), enumerable: false });
}
