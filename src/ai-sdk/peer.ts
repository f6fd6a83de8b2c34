import { RouterError } from 'model-router';

/** The runtime half of the `@ai-sdk/provider` peer (types come from it too, at build time only). */
export type AiSdkProviderModule = typeof import('@ai-sdk/provider');

const PEER = '@ai-sdk/provider';
let loading: Promise<AiSdkProviderModule> | undefined;

/**
 * Load `@ai-sdk/provider` once, on first use, so that importing `model-router/ai-sdk` never fails on
 * its own. Missing → `RouterError` `MISSING_DEPENDENCY` naming the package to install.
 */
export function loadAiSdkProvider(): Promise<AiSdkProviderModule> {
  loading ??= importPeer(() => import('@ai-sdk/provider')).catch((error: unknown) => {
    loading = undefined; // installing the package later and retrying works
    throw error;
  });
  return loading;
}

/** `load` turned into a `MISSING_DEPENDENCY` when the module cannot be found (exported for tests). */
export async function importPeer<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    throw new RouterError(
      'MISSING_DEPENDENCY',
      `model-router/ai-sdk needs the peer package "${PEER}" (npm install ${PEER})`,
      { cause: error, details: { package: PEER } },
    );
  }
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
