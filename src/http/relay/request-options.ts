import type { RequestOptions } from 'model-router';
import type { RouteContext } from './types.js';

/** The router options of a relay request: the client's abort, the relay's request id, the tenant. */
export function requestOptions(context: RouteContext): RequestOptions {
  const options: RequestOptions = { signal: context.input.signal, requestId: context.requestId };
  if (context.tenant) options.tenant = context.tenant;
  return options;
}
