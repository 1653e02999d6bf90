import { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { CustosError } from '../errors.js';
import { ModuleAllowlist } from './allowlist.js';
import { Pkcs11Executor } from './executor.js';
import { handleRequest, packByteList, shapeToError, unpackByteList, type AsyncApi, type Pkcs11Api, type Pkcs11Op, type Pkcs11Response, type Pkcs11WorkerData } from './protocol.js';
import { resolveWorkerScript } from './worker-path.js';
import type {
  CipherMechanism,
  CipherOptions,
  EncryptResult,
  GenerateOnTokenRequest,
  MechanismInfo,
  ModuleInfo,
  PresentToken,
  SignMechanism,
  SignOptions,
  SlotInfo,
  TokenInfo,
  TokenKeyRecord,
  TokenKeyRef,
  UnwrapRequest,
  WrapResult,
} from './types.js';

/** How requests reach the executor. */
export interface Pkcs11Transport {
  request(op: Pkcs11Op, args: unknown[]): Promise<unknown>;
  /** Stops the executor's thread (or drops the inline executor). */
  terminate(): Promise<void>;
  readonly alive: boolean;
  /** How busy the executor's thread has been (for benchmarks); null when it runs on the caller's thread. */
  utilization(): EventLoopUtilization | null;
}

/**
 * Copies every byte view into a compact Uint8Array. Structured clone copies a view's whole
 * underlying ArrayBuffer, and Node's small Buffers share an 8 KiB pool with unrelated data. A list
 * of byte views (signMany's inputs) becomes one packed buffer (protocol.ts packByteList).
 */
function compact(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Uint8Array)) return packByteList(v);
  if (Array.isArray(v)) return v.map(compact);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]));
  return v;
}

/**
 * The production transport: one worker thread per module, owning the pkcs11js instance. Requests
 * are answered in order. The worker does not keep the process alive while idle.
 */
export class WorkerTransport implements Pkcs11Transport {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private exitError: CustosError | null = null;

  constructor(script: string, data: Pkcs11WorkerData) {
    this.worker = new Worker(script, { workerData: data, name: 'custos-pkcs11' });
    this.worker.unref();
    this.worker.on('message', (msg: Pkcs11Response | Pkcs11Response[]) => {
      for (const res of Array.isArray(msg) ? msg : [msg]) {
        const p = this.pending.get(res.id);
        if (!p) continue;
        this.pending.delete(res.id);
        if (res.ok) p.resolve(unpackByteList(res.value));
        else p.reject(shapeToError(res.error));
      }
      if (this.pending.size === 0) this.worker.unref();
    });
    this.worker.on('error', (e) => {
      console.error('custos pkcs11 worker crashed:', e);
      this.stop(new CustosError('E_INTERNAL', `The PKCS#11 worker for ${data.modulePath} stopped unexpectedly; tokens of that module are logged out. Try again to restart it.`));
    });
    this.worker.on('exit', () => {
      this.stop(new CustosError('E_INTERNAL', `The PKCS#11 worker for ${data.modulePath} has stopped; tokens of that module are logged out.`));
    });
  }

  get alive(): boolean {
    return this.exitError === null;
  }

  utilization(): EventLoopUtilization | null {
    return this.worker.performance.eventLoopUtilization();
  }

  private stop(reason: CustosError): void {
    this.exitError ??= reason;
    for (const p of this.pending.values()) p.reject(this.exitError);
    this.pending.clear();
  }

  /**
   * Requests made in the same turn of the event loop travel as one message and come back as one:
   * with many signatures in flight the thread hop, not the token, would otherwise set the pace.
   */
  private outbox: Array<{ id: number; op: Pkcs11Op; args: unknown }> = [];

  request(op: Pkcs11Op, args: unknown[]): Promise<unknown> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.outbox.push({ id, op, args: args.map(compact) });
      if (this.outbox.length === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0 || this.exitError) return;
    this.worker.postMessage(batch.length === 1 ? batch[0] : batch);
  }

  async terminate(): Promise<void> {
    if (this.exitError) return;
    try {
      await this.request('close', []);
    } catch {
      // terminate below either way
    }
    await this.worker.terminate();
  }
}

/**
 * Runs the executor on the calling thread, with the same structured-clone boundary as the worker.
 * It blocks that thread during every PKCS#11 call: for tests and short-lived command-line runs,
 * never for the Electron main process.
 */
export class InlineTransport implements Pkcs11Transport {
  private executor: Pkcs11Executor | null;

  constructor(data: Pkcs11WorkerData) {
    this.executor = new Pkcs11Executor(data.modulePath, data.allowlist);
  }

  get alive(): boolean {
    return this.executor !== null;
  }

  utilization(): EventLoopUtilization | null {
    return null;
  }

  async request(op: Pkcs11Op, args: unknown[]): Promise<unknown> {
    await Promise.resolve();
    if (!this.executor) throw new CustosError('E_INTERNAL', 'The PKCS#11 module was closed.');
    const res = structuredClone(handleRequest(this.executor, { id: 0, op, args: structuredClone(args.map(compact)) }));
    if (res.ok) return unpackByteList(res.value);
    throw shapeToError(res.error);
  }

  async terminate(): Promise<void> {
    this.executor?.close();
    this.executor = null;
  }
}

export interface TokenClientOptions {
  /** The module to load; must be in `allowlist`. */
  modulePath: string;
  allowlist: readonly string[];
  /** 'worker' (default) runs the module in a worker thread; 'inline' on the calling thread. */
  mode?: 'worker' | 'inline';
  /** The built worker script; found next to the running bundle when absent. */
  workerScript?: string;
}

/**
 * The main-thread face of one PKCS#11 module: every method is a request to the module's executor
 * (in its worker), so no PKCS#11 call ever blocks the caller. See Pkcs11Api for what each does.
 */
export class TokenClient implements AsyncApi<Omit<Pkcs11Api, 'close'>> {
  private constructor(
    readonly modulePath: string,
    private readonly transport: Pkcs11Transport,
  ) {}

  /**
   * Checks the allowlist on this thread (an unlisted module never reaches a worker), starts the
   * executor and loads the module, so a module that cannot be loaded fails here.
   */
  static async open(options: TokenClientOptions): Promise<TokenClient> {
    const allowlist = new ModuleAllowlist(options.allowlist);
    allowlist.resolve(options.modulePath);
    const data: Pkcs11WorkerData = { modulePath: options.modulePath, allowlist: allowlist.paths };
    const transport =
      options.mode === 'inline' ? new InlineTransport(data) : new WorkerTransport(resolveWorkerScript(options.workerScript), data);
    const client = new TokenClient(options.modulePath, transport);
    try {
      await client.moduleInfo();
    } catch (e) {
      await transport.terminate();
      throw e;
    }
    return client;
  }

  /** How busy the module's worker thread has been (for benchmarks); null for the inline transport. */
  threadUtilization(): EventLoopUtilization | null {
    return this.transport.utilization();
  }

  /** False once the worker stopped (crash or close); open a new client to continue. */
  get alive(): boolean {
    return this.transport.alive;
  }

  private call<K extends Pkcs11Op>(op: K, ...args: Parameters<Pkcs11Api[K]>): Promise<ReturnType<Pkcs11Api[K]>> {
    return this.transport.request(op, args) as Promise<ReturnType<Pkcs11Api[K]>>;
  }

  moduleInfo(): Promise<ModuleInfo> {
    return this.call('moduleInfo');
  }
  listSlots(): Promise<SlotInfo[]> {
    return this.call('listSlots');
  }
  listTokens(): Promise<TokenInfo[]> {
    return this.call('listTokens');
  }
  tokenInfo(serial: string): Promise<TokenInfo> {
    return this.call('tokenInfo', serial);
  }
  listMechanisms(serial: string): Promise<MechanismInfo[]> {
    return this.call('listMechanisms', serial);
  }
  pollTokens(): Promise<PresentToken[]> {
    return this.call('pollTokens');
  }
  rescan(): Promise<PresentToken[]> {
    return this.call('rescan');
  }
  login(serial: string, pin: string | null): Promise<TokenInfo> {
    return this.call('login', serial, pin);
  }
  logout(serial: string): Promise<void> {
    return this.call('logout', serial);
  }
  initToken(slotId: number, soPin: string, label: string): Promise<TokenInfo> {
    return this.call('initToken', slotId, soPin, label);
  }
  initUserPin(serial: string, soPin: string, userPin: string): Promise<void> {
    return this.call('initUserPin', serial, soPin, userPin);
  }
  generateKey(req: GenerateOnTokenRequest): Promise<TokenKeyRecord> {
    return this.call('generateKey', req);
  }
  discover(serial: string): Promise<TokenKeyRecord[]> {
    return this.call('discover', serial);
  }
  readKey(ref: TokenKeyRef): Promise<TokenKeyRecord> {
    return this.call('readKey', ref);
  }
  sign(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, options?: SignOptions): Promise<Uint8Array> {
    return this.call('sign', ref, mechanism, data, options);
  }
  signMany(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array[], options?: SignOptions): Promise<Uint8Array[]> {
    return this.call('signMany', ref, mechanism, data, options);
  }
  verify(ref: TokenKeyRef, mechanism: SignMechanism, data: Uint8Array, signature: Uint8Array, options?: SignOptions): Promise<boolean> {
    return this.call('verify', ref, mechanism, data, signature, options);
  }
  encrypt(ref: TokenKeyRef, mechanism: CipherMechanism, plaintext: Uint8Array, options?: CipherOptions): Promise<EncryptResult> {
    return this.call('encrypt', ref, mechanism, plaintext, options);
  }
  decrypt(ref: TokenKeyRef, mechanism: CipherMechanism, ciphertext: Uint8Array, options?: CipherOptions): Promise<Uint8Array> {
    return this.call('decrypt', ref, mechanism, ciphertext, options);
  }
  wrapKey(wrapping: TokenKeyRef, target: TokenKeyRef): Promise<WrapResult> {
    return this.call('wrapKey', wrapping, target);
  }
  unwrapKey(unwrapping: TokenKeyRef, wrapped: Uint8Array, req: UnwrapRequest): Promise<TokenKeyRecord> {
    return this.call('unwrapKey', unwrapping, wrapped, req);
  }
  importWrappingKey(serial: string, value: Uint8Array): Promise<{ ckaId: string }> {
    return this.call('importWrappingKey', serial, value);
  }
  destroyKey(ref: TokenKeyRef): Promise<{ destroyed: number }> {
    return this.call('destroyKey', ref);
  }

  /** Logs out of every token of the module, finalises it and stops the worker. */
  close(): Promise<void> {
    return this.transport.terminate();
  }
}
