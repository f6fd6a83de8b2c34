import type { ChatRequest } from '../../types/request.js';

/**
 * What the Messages API cannot do without changing a request's meaning. A JSON schema the answer
 * must follow has no Messages equivalent here: dropping it would return free text to a caller that
 * parses JSON, so the candidate is skipped instead (another may serve; if none can, a clear 400).
 * `json_object` is a hint the model follows from the prompt anyway, and is dropped like other fields.
 */
export function messagesCannotServe(request: Readonly<ChatRequest>): string | undefined {
  if (request.responseFormat?.type === 'json_schema') {
    return 'response_format json_schema is not supported by the Anthropic Messages API';
  }
  return undefined;
}
