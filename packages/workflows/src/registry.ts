import type { RuntimeEnv, RuntimeModule } from './module.ts';

/** Every module of the job runner. A new workflow, reaction or job is one file and one line here. */
export const MODULES: ((env: RuntimeEnv) => RuntimeModule)[] = [];
