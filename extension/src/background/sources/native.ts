// The native-host code source: one long-lived port (runtime.connectNative) shared by every tab,
// request ids, per-request timeouts, reconnect on the next request after a disconnect.
import { ext } from '../../shared/api';
import { classifyNativeError } from '../../shared/errors';
import type { CodeSource, ProtocolAnswer, ProtocolRequest } from './types';

export const NATIVE_HOST_NAME = 'io.github.eproc_a2f';

/** A transport failure: no answer could be had from the host. `code` is an extension error code. */
export class TransportError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

interface Pending {
  resolve(a: ProtocolAnswer): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Timeouts per kind: `enroll` may wait for a keyring unlock prompt. */
const TIMEOUT_MS: Record<string, number> = { enroll: 120_000, remove: 60_000, default: 20_000 };

export interface PortLike {
  postMessage(msg: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (msg: unknown) => void): void };
  onDisconnect: { addListener(fn: (port: unknown) => void): void };
}

export type Connect = () => PortLike;

export class NativeSource implements CodeSource {
  readonly kind = 'native' as const;
  private port: PortLike | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Why the last port closed (for status pages). */
  lastError: string | null = null;

  constructor(
    private readonly connect: Connect = () => ext.runtime.connectNative(NATIVE_HOST_NAME) as unknown as PortLike,
    private readonly timeouts: Record<string, number> = TIMEOUT_MS,
  ) {}

  private ensurePort(): PortLike {
    if (this.port) return this.port;
    const port = this.connect();
    this.port = port;
    port.onMessage.addListener((msg) => this.onMessage(port, msg));
    port.onDisconnect.addListener((p) => {
      // Chrome reports the reason in runtime.lastError; Firefox in port.error.
      const fromPort = (p as { error?: { message?: string } } | undefined)?.error?.message;
      let fromRuntime: string | undefined;
      try {
        fromRuntime = ext.runtime?.lastError?.message;
      } catch {
        fromRuntime = undefined;
      }
      this.onDisconnect(port, fromPort ?? fromRuntime ?? 'Native host has exited.');
    });
    return port;
  }

  private onMessage(port: PortLike, msg: unknown): void {
    if (port !== this.port || !msg || typeof msg !== 'object') return;
    const id = (msg as { id?: unknown }).id;
    if (typeof id !== 'number') return; // id null: the host could not read a request; ignore
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(msg as ProtocolAnswer);
  }

  private onDisconnect(port: PortLike, reason: string): void {
    if (port !== this.port) return;
    this.port = null;
    this.lastError = reason;
    const code = classifyNativeError(reason);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransportError(code, reason));
      this.pending.delete(id);
    }
  }

  request(req: ProtocolRequest): Promise<ProtocolAnswer> {
    return new Promise<ProtocolAnswer>((resolve, reject) => {
      let port: PortLike;
      try {
        port = this.ensurePort();
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        this.lastError = msg;
        reject(new TransportError(classifyNativeError(msg), msg));
        return;
      }
      const id = this.nextId++;
      const ms = this.timeouts[req.type] ?? this.timeouts.default ?? 20_000;
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new TransportError('host_timeout', `no answer to ${req.type} in ${ms} ms`));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
      try {
        port.postMessage({ ...req, id });
      } catch (e) {
        // The port died between ensurePort and postMessage: report and drop it.
        clearTimeout(timer);
        this.pending.delete(id);
        const msg = e instanceof Error ? e.message : String(e);
        if (this.port === port) this.port = null;
        reject(new TransportError(classifyNativeError(msg), msg));
      }
    });
  }

  close(): void {
    const port = this.port;
    this.port = null;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TransportError('host_exited', 'closed'));
    }
    this.pending.clear();
    try {
      port?.disconnect();
    } catch {
      /* already gone */
    }
  }
}
