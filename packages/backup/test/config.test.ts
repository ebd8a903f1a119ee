import { readFileSync } from 'node:fs';
import { parseConfig } from '@clos/contract';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe('backups: in clos.config.yaml', () => {
  it('is off by default, keeping 14 when turned on', () => {
    const parsed = parseConfig({});
    expect(parsed.ok && parsed.config.backups).toEqual({
      schedule: null,
      to: null,
      retain: { count: 14 },
      s3: { endpoint: null, region: null },
    });
  });

  it('takes a schedule, a destination, retention and an S3 endpoint', () => {
    const parsed = parseConfig({
      backups: {
        schedule: { at: '02:30', timezone: 'Europe/London', days: ['mon', 'fri'] },
        to: 's3://bucket/clos',
        retain: { count: 3 },
        s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-2' },
      },
    });
    expect(parsed.ok && parsed.config.backups).toEqual({
      schedule: { at: '02:30', timezone: 'Europe/London', days: ['mon', 'fri'] },
      to: 's3://bucket/clos',
      retain: { count: 3 },
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-2' },
    });
  });

  it('names every problem by path', () => {
    const parsed = parseConfig({
      backups: { schedule: { at: '2:30', timezone: 'Mars/Olympus' }, retain: { count: 0 } },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = parsed.problems.join('\n');
    expect(text).toContain('backups.schedule.at');
    expect(text).toContain('backups.schedule.timezone');
    expect(text).toContain('backups.retain.count');
    const noDestination = parseConfig({ backups: { schedule: { at: '02:30' } } });
    expect(noDestination.ok).toBe(false);
    if (!noDestination.ok) expect(noDestination.problems.join('\n')).toContain('backups.to');
  });

  it('the commented example in clos.config.example.yaml is valid once uncommented', () => {
    const lines = readFileSync(new URL('../../../clos.config.example.yaml', import.meta.url), 'utf8').split(
      '\n',
    );
    const start = lines.indexOf('backups:');
    const example = lines
      .slice(start + 1)
      .filter((l) => /^ {2}# (schedule|to|retain):/.test(l))
      .map((l) => l.replace(/^ {2}# /, '  ').replace(/\s+#.*$/, ''));
    expect(example).toHaveLength(3);
    const parsed = parseConfig(parse(['backups:', ...example].join('\n')));
    expect(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n')).toBe(true);
  });
});
