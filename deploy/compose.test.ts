/**
 * There is no container runtime here, so the image's contents are proven by the production-install
 * test (apps/server/test/production-install.test.ts, the same staging script the Dockerfile runs);
 * this file checks that the Dockerfile and the compose stack say what they must and point at files
 * that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const DEPLOY = import.meta.dirname;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => /^[A-Z]+\s/.test(line));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}
const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

describe('the Dockerfile', () => {
  it('builds from a pinned Node.js LTS image, twice (build, then runtime)', () => {
    const arg = dockerfile.match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1];
    expect(arg).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(instructions.filter((i) => i.startsWith(`FROM \${NODE_IMAGE}`))).toHaveLength(2);
  });

  it('ships the staged production install, runs as the unprivileged node user, checks /readyz', () => {
    expect(dockerfile).toContain('npx tsx scripts/stage-production.ts /app');
    expect(dockerfile).toContain('COPY --from=build /app /app');
    const users = instructions.filter((i) => i.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
    const health = instructions.find((i) => i.startsWith('HEALTHCHECK '));
    expect(health).toContain('/readyz');
    expect(instructions).toContain('STOPSIGNAL SIGTERM');
    const entry = instructions.find((i) => i.startsWith('ENTRYPOINT '));
    const args = JSON.parse(entry!.slice('ENTRYPOINT '.length)) as string[];
    expect(args[0]).toBe('node');
    expect(args).toContain('apps/server/dist/main.js');
    expect(dockerfile).toMatch(/CLOS_HOST=0\.0\.0\.0/);
    expect(instructions).toContain(`EXPOSE ${dockerfile.match(/CLOS_PORT=(\d+)/)?.[1]}`);
  });

  it('copies only what exists and what .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const copy of instructions.filter((i) => i.startsWith('COPY ') && !i.includes('--from'))) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        expect(existsSync(join(ROOT, source)), source).toBe(true);
        expect(ignored, `${source} is copied but ignored`).not.toContain(source);
      }
    }
  });
});

describe('deploy/compose.yaml', () => {
  const { services } = compose;

  it('runs PostgreSQL, two API processes, one worker, a proxy, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api-1', 'api-2', 'grafana', 'postgres', 'prometheus', 'proxy', 'worker'].sort(),
    );
    expect(services['api-1']!.command).toEqual(['--no-worker']);
    expect(services['api-2']!.command).toEqual(['--no-worker']);
    expect(services.worker!.command).toEqual(['--worker-only']);
    for (const name of ['api-1', 'api-2', 'worker']) {
      const s = services[name]!;
      expect(s.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
      expect(s.environment?.DATABASE_URL).toMatch(/^postgres:\/\/clos:.*@postgres:5432\/clos$/);
      expect(s.environment?.CLOS_INSTANCE).toBe(name);
      expect(s.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      // Longer than the server's own shutdown timeout (25 s), so a stop is never cut short.
      expect(s.stop_grace_period).toBe('30s');
    }
    expect(services.postgres!.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('points every mounted file at one that exists', () => {
    for (const [name, service] of Object.entries(services))
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (!source!.startsWith('.')) continue;
        expect(existsSync(join(DEPLOY, source!)), `${name}: ${source}`).toBe(true);
      }
  });

  it('proxies to both API processes and scrapes every process Prometheus can reach', () => {
    const port = dockerfile.match(/CLOS_PORT=(\d+)/)?.[1];
    const nginx = readFileSync(join(DEPLOY, 'compose/nginx.conf'), 'utf8');
    expect(nginx).toContain(`server api-1:${port}`);
    expect(nginx).toContain(`server api-2:${port}`);
    expect(nginx).toMatch(/location = \/api\/v1\/stream \{[^}]*proxy_buffering off;/);
    const metricsPort = services['api-1']!.environment?.CLOS_METRICS_PORT;
    const prometheus = parse(readFileSync(join(DEPLOY, 'compose/prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.scrape_configs[0]!.static_configs[0]!.targets.sort()).toEqual(
      ['api-1', 'api-2', 'worker'].map((s) => `${s}:${metricsPort}`).sort(),
    );
  });
});
