/** A web-standard handler: mounts in Hono, Next.js route handlers, Bun, Deno, or node:http via `toNodeListener`. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Who is calling: return an actor (any value; the admin handler passes it to `authorize(actor, action)`)
 * or `null`/`undefined` for 401. A throw is a 500 whose message is not shown to the caller.
 */
export type Authenticate = (request: Request) => unknown | Promise<unknown>;
