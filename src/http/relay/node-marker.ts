/** Marks a web handler that has a direct node:http path of its own (`toNodeListener` uses it). */
export const NODE_LISTENER: unique symbol = Symbol.for('model-router.http.nodeListener') as never;
