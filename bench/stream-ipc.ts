/**
 * Calls between the stream benchmark and its child processes (the server under test, the SSE
 * clients). Each child is a separate Node.js process so that it has an event loop, a heap and a CPU
 * account of its own: the server's figures are then the server's alone.
 */
import { type ChildProcess, fork } from 'node:child_process';

type Handler = (args: never) => unknown;
type Handlers = Record<string, Handler>;

interface Call {
  id: number;
  method: string;
  args: unknown;
}
type Reply = { id: number; result: unknown } | { id: number; error: string };

export type Remote<H extends Handlers> = {
  [K in keyof H]: Parameters<H[K]> extends []
    ? () => Promise<Awaited<ReturnType<H[K]>>>
    : (args: Parameters<H[K]>[0]) => Promise<Awaited<ReturnType<H[K]>>>;
};

export interface Child<H extends Handlers> {
  call: Remote<H>;
  pid: number;
  /** Asks the child to exit, and kills it if it has not after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Forks `file` (which must call `serveCalls` when run as a child). `tsx`'s loader comes along in
 * `process.execArgv`. The "advanced" serialisation passes typed arrays as bytes, not as JSON.
 */
export function forkChild<H extends Handlers>(
  file: string,
  name: string,
  nodeFlags: string[] = [],
): Child<H> {
  const child: ChildProcess = fork(file, [], {
    stdio: 'inherit',
    serialization: 'advanced',
    execArgv: [...process.execArgv, ...nodeFlags],
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const w of waiting.values()) w.reject(new Error(`${name} exited (${code ?? signal})`));
      waiting.clear();
      resolve();
    }),
  );
  child.on('message', (m: Reply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if ('error' in m) w.reject(new Error(`${name}: ${m.error}`));
    else w.resolve(m.result);
  });
  const call = new Proxy({} as Remote<H>, {
    get:
      (_target, method: string) =>
      (args?: unknown): Promise<unknown> =>
        new Promise((resolve, reject) => {
          if (exited) return reject(new Error(`${name} has exited`));
          const id = ++next;
          waiting.set(id, { resolve, reject });
          child.send({ id, method, args } satisfies Call);
        }),
  });
  return {
    call,
    pid: child.pid!,
    async stop(graceMs = 10_000) {
      if (exited) return;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** In the child: answers calls with `handlers`; `onExit` runs when the parent lets go, then it exits. */
export function serveCalls(handlers: Handlers, onExit: () => Promise<void> | void): void {
  process.on('message', (m: Call) => {
    const handler = handlers[m.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no method ${m.method}`);
        return handler(m.args as never);
      })
      .then(
        (result) => process.send!({ id: m.id, result } satisfies Reply),
        (error: unknown) =>
          process.send!({ id: m.id, error: String((error as Error).stack ?? error) } satisfies Reply),
      );
  });
  process.once('disconnect', () => {
    Promise.resolve()
      .then(onExit)
      .catch((error: unknown) => console.error(error))
      .finally(() => process.exit(0));
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of a machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();
