import type { ModelInfo } from 'model-router';
import { HttpProblem } from '../problem.js';
import type { RelayRoute } from '../relay/types.js';
import { renderOpenAIError } from './errors.js';

/** `GET /v1/models` and `GET /v1/models/:id` (a direct model's id holds a slash: encoded or not). */
export const modelsRoutes: readonly RelayRoute[] = [
  {
    path: ['models'],
    methods: ['GET'],
    renderError: renderOpenAIError,
    async handle({ router }) {
      const list = await router.listModels();
      return {
        kind: 'json',
        status: 200,
        headers: {},
        body: { object: 'list', data: list.map(toOpenAIModel) },
      };
    },
  },
  {
    path: ['models', '*'],
    methods: ['GET'],
    renderError: renderOpenAIError,
    async handle({ router }, params) {
      const id = params.join('/');
      const found = (await router.listModels()).find((m) => m.id === id);
      if (!found) throw new HttpProblem(404, 'UNKNOWN_MODEL', `Unknown model "${id}"`, { param: 'model' });
      return { kind: 'json', status: 200, headers: {}, body: toOpenAIModel(found) };
    },
  },
];

/** `GET /v1/models` entry: OpenAI's model object plus what the router knows. */
export function toOpenAIModel(info: ModelInfo): Record<string, unknown> {
  return {
    id: info.id,
    object: 'model',
    created: 0,
    owned_by: info.kind === 'group' ? 'model-router' : (info.providerId ?? 'model-router'),
    kind: info.kind,
    available: info.available,
    ...(info.displayName ? { display_name: info.displayName } : {}),
    ...(info.description ? { description: info.description } : {}),
    ...(info.contextWindow !== undefined ? { context_window: info.contextWindow } : {}),
  };
}
