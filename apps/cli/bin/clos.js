#!/usr/bin/env node
// The CLI is TypeScript run in place, like the server (`npm start` runs it through tsx): registering
// tsx's loader here, before the first .ts import, means no build step and no separate dist to go stale.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
