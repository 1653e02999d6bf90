// The sandboxed preload: exposes exactly `window.custos = { invoke, on, host }` and nothing else.
// ipcRenderer itself, and the IPC event objects (whose `sender` is ipcRenderer), never reach the
// page. Channel and event names are checked here against the contract before anything is sent.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CHANNEL_NAMES,
  EVENT_NAMES,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type CustosBridge,
  type EventName,
  type EventPayload,
} from '../src-shared/contract.js';
import type { Result } from '../src-shared/errors.js';

const channels = new Set<string>(CHANNEL_NAMES);
const events = new Set<string>(EVENT_NAMES);

const LOST: Result<never> = {
  ok: false,
  error: { code: 'E_INTERNAL', message: 'Connection to the Custos core was lost before the answer arrived; check whether the action took effect before repeating it.' },
};

const bridge: CustosBridge = {
  host: 'electron',

  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
    if (typeof channel !== 'string' || !channels.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'E_UNKNOWN_CHANNEL', message: `There is no channel named ${JSON.stringify(String(channel)).slice(0, 80)}.` },
      });
    }
    return (ipcRenderer.invoke(channel, input) as Promise<Result<ChannelOutput<C>>>).catch(() => LOST);
  },

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (typeof event !== 'string' || !events.has(event) || typeof listener !== 'function') return () => {};
    const wrapped = (_e: IpcRendererEvent, payload: EventPayload<E>) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('custos', bridge);
