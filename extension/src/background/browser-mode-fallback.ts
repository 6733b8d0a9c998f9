// Used by the build (and the type checker) only when src/background/browser-mode/index.ts (the
// WASM engineer's browser mode) does not exist: a source whose every answer is the error
// `browser_mode_unavailable`, so the rest of the extension builds and behaves sensibly.
import type { CodeSource, ProtocolAnswer, ProtocolRequest } from './sources/types';

export async function createBrowserSource(): Promise<CodeSource> {
  return {
    kind: 'browser',
    async request(_req: ProtocolRequest): Promise<ProtocolAnswer> {
      return {
        id: null,
        ok: false,
        error: {
          code: 'browser_mode_unavailable',
          message: 'O modo navegador não está disponível nesta versão.',
          detail: 'browser mode is not part of this build',
        },
      };
    },
    close() {},
  };
}
