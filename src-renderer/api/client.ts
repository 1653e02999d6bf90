import type { CustosBridge } from '../../src-shared/contract';
import { createApi } from './core';
import { connectWebBridge } from './web-bridge';

export { ApiError, errorMessage, isApiError, type Api } from './core';

declare global {
  interface Window {
    /** Defined by the Electron preload; absent in browser mode, where the web bridge provides it. */
    custos?: CustosBridge;
  }
}

/**
 * The only place in the renderer that touches `window.custos`. Under Electron the preload has
 * exposed it before any script runs; in a plain browser the browser host's bridge is connected on
 * first use.
 */
function getBridge(): Promise<CustosBridge> {
  const preloaded = window.custos;
  if (preloaded) return Promise.resolve(preloaded);
  return connectWebBridge();
}

export const api = createApi(getBridge);
