/**
 * Expected outcomes are values, not exceptions: a refused WIP acquire or an unmet gate is a normal
 * answer the caller must handle, so it is typed into the return value.
 */
export type Ok<T> = { ok: true; value: T };
export type Fail<E> = { ok: false; error: E };
export type Result<T, E> = Ok<T> | Fail<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const fail = <E>(error: E): Fail<E> => ({ ok: false, error });
