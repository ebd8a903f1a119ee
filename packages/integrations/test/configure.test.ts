import { readFileSync } from 'node:fs';
import type { Policy } from '@clos/core';
import { defaultPolicy } from '@clos/testing';
import type { RuntimeEnv } from '@clos/workflows';
import { describe, expect, it } from 'vitest';
import {
  configureIntegrations,
  INTEGRATIONS,
  type Integration,
  type IntegrationContribution,
} from '../src/index.ts';

interface Line {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string | undefined;
}

/** A logger that records its lines and the bindings of each child it makes. */
function recordingLogger() {
  const lines: (Line & { bindings: object })[] = [];
  const make = (bindings: object) => ({
    info: (obj: object, msg?: string) => lines.push({ level: 'info', obj, msg, bindings }),
    warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj, msg, bindings }),
    error: (obj: object, msg?: string) => lines.push({ level: 'error', obj, msg, bindings }),
    child: (more: object) => make({ ...bindings, ...more }),
  });
  return { lines, logger: make({}) };
}

const fixed = (name: string, contribution: IntegrationContribution | null): Integration => ({
  name,
  configSections: [],
  configure: () => contribution,
});

const withNotifications = (notifications: Policy['notifications']): Policy => ({
  ...defaultPolicy(),
  notifications,
});

describe('configureIntegrations over the registry', () => {
  it('turns on the log alone with the default policy', async () => {
    const { logger } = recordingLogger();
    const configured = await configureIntegrations(INTEGRATIONS, {
      policy: defaultPolicy(),
      env: {},
      logger,
    });
    expect(configured.names).toEqual(['log']);
    expect(configured.notifiers.map((n) => n.name)).toEqual(['log']);
    expect(configured.routes).toEqual([]);
  });

  it('adds a notifier per notification webhook, warning once of a secret variable that is not set', async () => {
    const { lines, logger } = recordingLogger();
    const configured = await configureIntegrations(INTEGRATIONS, {
      policy: withNotifications({
        log: false,
        webhooks: [
          { url: 'https://chat.example.com/a', secretEnv: 'CHAT_SECRET', events: ['*'] },
          { url: 'https://chat.example.com/b', secretEnv: 'MISSING_SECRET', events: ['*'] },
        ],
      }),
      env: { CHAT_SECRET: 'chat-secret-0123456789' },
      logger,
    });
    expect(configured.names).toEqual(['webhook']);
    expect(configured.notifiers.map((n) => n.name)).toEqual([
      'webhook:https://chat.example.com/a',
      'webhook:https://chat.example.com/b',
    ]);
    expect(lines).toEqual([
      {
        level: 'warn',
        obj: { url: 'https://chat.example.com/b', secretEnv: 'MISSING_SECRET' },
        msg: 'MISSING_SECRET is not set: notifications to this URL are sent unsigned',
        bindings: { integration: 'webhook' },
      },
    ]);
    // The guarded client's pool is released by the module the runner stops.
    const stops = configured.modules.map((make) => make({} as RuntimeEnv));
    expect(stops.map((m) => m.name)).toEqual(['integration:webhook']);
    await stops[0]!.stop!();
  });

  it('turns nothing on when the policy asks for nothing', async () => {
    const { logger } = recordingLogger();
    expect(
      await configureIntegrations(INTEGRATIONS, {
        policy: withNotifications({ log: false, webhooks: [] }),
        env: {},
        logger,
      }),
    ).toEqual({ names: [], notifiers: [], modules: [], routes: [], status: {}, importers: {} });
  });
});

describe('configureIntegrations', () => {
  const route = {
    method: 'POST' as const,
    verify: () => ({ ok: true as const }),
    handle: async () => ({ status: 204 }),
  };

  it("gathers what the configured integrations add, under each one's name", async () => {
    const { logger } = recordingLogger();
    const stopped: string[] = [];
    const configured = await configureIntegrations(
      [
        fixed('off', null),
        fixed('chat-ops', {
          notifiers: [{ name: 'chat', send: async () => {} }],
          modules: [() => ({ name: 'chat-digest' })],
          subscribers: [{ name: 'chat-events', types: '*', dispatch: async () => {} }],
          routes: [
            { ...route, path: '' },
            { ...route, path: '/commands' },
          ],
          stop: async () => {
            stopped.push('chat-ops');
          },
        }),
      ],
      { policy: defaultPolicy(), env: {}, logger },
    );
    expect(configured.names).toEqual(['chat-ops']);
    expect(configured.notifiers.map((n) => n.name)).toEqual(['chat']);
    expect(configured.routes.map((r) => [r.integration, r.url])).toEqual([
      ['chat-ops', '/api/v1/integrations/chat-ops'],
      ['chat-ops', '/api/v1/integrations/chat-ops/commands'],
    ]);
    const modules = configured.modules.map((make) => make({} as RuntimeEnv));
    expect(modules.map((m) => m.name)).toEqual(['chat-digest', 'integration:chat-ops']);
    expect(modules[1]!.subscribers!.map((s) => s.name)).toEqual(['chat-events']);
    await modules[1]!.stop!();
    expect(stopped).toEqual(['chat-ops']);
  });

  it('hands each integration a logger bound to its name, and its environment', async () => {
    const { lines, logger } = recordingLogger();
    const seen: (string | undefined)[] = [];
    await configureIntegrations(
      [
        {
          name: 'probe',
          configSections: [],
          configure({ env, logger }) {
            seen.push(env.PROBE_TOKEN);
            logger.info({}, 'configured');
            return null;
          },
        },
      ],
      { policy: defaultPolicy(), env: { PROBE_TOKEN: 't0ken' }, logger },
    );
    expect(seen).toEqual(['t0ken']);
    expect(lines).toMatchObject([{ msg: 'configured', bindings: { integration: 'probe' } }]);
  });

  it.each([
    [[fixed('twin', null), fixed('twin', null)], 'two integrations are named "twin"'],
    [[fixed('Chat_Ops', null)], 'integration name "Chat_Ops" is not lower-case kebab-case'],
    [
      [fixed('chat', { routes: [{ ...route, path: 'commands' }] })],
      `integration "chat": route path "commands" must be '' or '/segment…' (lower case)`,
    ],
    [
      [fixed('chat', { routes: [{ ...route, path: '/../admin' }] })],
      `integration "chat": route path "/../admin" must be '' or '/segment…' (lower case)`,
    ],
  ])('refuses a list that is a programming error (%#)', async (integrations, message) => {
    const { logger } = recordingLogger();
    await expect(
      configureIntegrations(integrations, { policy: defaultPolicy(), env: {}, logger }),
    ).rejects.toThrow(message);
  });
});

describe('the registry', () => {
  it('names each integration once, in kebab-case, reading sections the config file has', () => {
    const names = INTEGRATIONS.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    const sections = Object.keys(defaultPolicy());
    for (const integration of INTEGRATIONS) {
      expect(integration.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      for (const section of integration.configSections) expect(sections).toContain(section);
    }
  });

  it('lists every integration in docs/architecture.md', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const listed = [...doc.matchAll(/^\| `([a-z0-9-]+)` +\| `packages\/integrations\/src\//gm)].map(
      (m) => m[1],
    );
    expect(listed).toEqual(INTEGRATIONS.map((i) => i.name));
  });
});
