// The contract between the background and a code source. Both sources speak the protocol of
// docs/protocol.md: the native host over a native-messaging port, and the browser-mode source
// (WASM core + encrypted extension storage). Everything above this interface is mode-agnostic.

/** A protocol request without its id (the source assigns ids). */
export interface ProtocolRequest {
  type: 'hello' | 'systems' | 'accounts' | 'code' | 'enroll' | 'label' | 'remove' | 'login_result' | 'restore';
  [field: string]: unknown;
}

export interface ProtocolErrorBody {
  code: string;
  message: string;
  detail?: string;
  [extra: string]: unknown;
}

/** `{id, ok: true, ...}` or `{id, ok: false, error}` as in docs/protocol.md. */
export type ProtocolAnswer =
  | ({ id: unknown; ok: true } & Record<string, unknown>)
  | { id: unknown; ok: false; error: ProtocolErrorBody };

export type SourceKind = 'native' | 'browser';

export interface CodeSource {
  readonly kind: SourceKind;
  /** Sends one request; never rejects for protocol errors (they are answers), only for transport failures. */
  request(req: ProtocolRequest): Promise<ProtocolAnswer>;
  /** Releases ports/keys held in memory. */
  close(): void;
}
