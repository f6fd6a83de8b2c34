// The names README snippets use without defining them — what "your application" has at hand: the
// router of the quick start, its catalog and adapters, and a few stand-ins for your own code. A
// block that uses a library name (ModelRouter, createServer, aiSdkAdapter, a type) must import it.
// At run time `context.ts` defines the values (only for the blocks that run).

declare const router: import('model-router').ModelRouter;
declare const catalog: import('model-router').CatalogInput;
/** Your providers, as in the quick start's catalog. */
declare const providers: NonNullable<import('model-router').CatalogInput['providers']>;
declare const adapters: Record<string, import('model-router').ProviderAdapter>;
declare const storage: import('model-router').RouterStorage;
declare const messages: import('model-router').ChatMessage[];
declare function myStorage(): import('model-router').RouterStorage;
/** Your tenants, by the `authorization` header they send. */
declare const tenants: Map<string, { tenantId: string }>;
/** Your session store. */
declare const sessions: { lookup(authorization: string | null): Promise<{ role: 'admin' } | undefined> };
/** Your tenant lookup by API key. */
declare function tenantFor(apiKey: string | null): { tenantId: string } | null;
declare function checkScraper(request: Request): { scraper: string } | null;
declare const featureFlags: { get(flag: string): Promise<boolean> };
declare function isBusinessHours(): boolean;
/** A test runner's `test` (vitest, node:test, jest). */
declare function test(name: string, fn: () => unknown): void;
