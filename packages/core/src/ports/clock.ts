/** Time and identity are injected so the domain stays deterministic under test. */
export interface Clock {
  now(): Date;
}

export interface IdSource {
  /** A new UUID. */
  uuid(): string;
}
