import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.ts';
import { checkWebhookInput, webhookView } from './service.ts';

const SECRET = 'a'.repeat(16);

function problems(input: Parameters<typeof checkWebhookInput>[0]) {
  try {
    checkWebhookInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).details as { path: string; message: string }[];
  }
  return [];
}

describe('checkWebhookInput', () => {
  it('accepts catalogued types or "*", removing duplicates', () => {
    expect(
      checkWebhookInput({
        url: 'https://x.example/h',
        events: ['idea.submitted', 'idea.submitted'],
        secret: SECRET,
      }),
    ).toEqual(['idea.submitted']);
    expect(
      checkWebhookInput({ url: 'http://127.0.0.1:9/h', events: ['*'], secret: SECRET }, ['127.0.0.0/8']),
    ).toEqual(['*']);
  });

  it('refuses a URL whose host is literally an internal address, unless the operator opened it', () => {
    const input = { url: 'http://[::ffff:127.0.0.1]:9/h', events: ['*'], secret: SECRET };
    expect(problems(input)).toEqual([
      {
        path: 'url',
        message:
          'points at a loopback address (::ffff:7f00:1), where CLOS does not deliver; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
      },
    ]);
    expect(checkWebhookInput(input, true)).toEqual(['*']);
    expect(checkWebhookInput({ ...input, url: 'http://localhost:9/h' }, ['127.0.0.0/8'])).toEqual(['*']);
    expect(() => checkWebhookInput({ ...input, url: 'http://10.0.0.1/h' }, ['127.0.0.0/8'])).toThrow(
      'url: points at a private-network address (10.0.0.1)',
    );
    expect(() => checkWebhookInput({ ...input, url: 'http://169.254.169.254/' }, true)).toThrow(
      'url: points at a cloud metadata endpoint (169.254.169.254), where CLOS does not deliver; it stays closed unless a range listed in webhooks.allowPrivateNetworks contains it',
    );
    // Names are resolved (and checked) when delivering, not here.
    expect(checkWebhookInput({ ...input, url: 'https://hooks.internal.example/h' })).toEqual(['*']);
  });

  it('names every offending field at once', () => {
    expect(
      problems({
        url: 'mailto:a@example.com',
        events: ['idea.submitted', 'nope', 'webhook.created'],
        secret: 'short',
      }).map((p) => p.path),
    ).toEqual(['url', 'events[1]', 'events[2]', 'secret']);
  });

  it.each([
    ['not a url', 'url'],
    ['/relative', 'url'],
    ['ftp://x.example/h', 'url'],
    ['https://user:pw@x.example/h', 'url'],
  ])('refuses the URL %s', (url, path) => {
    expect(problems({ url, events: ['*'], secret: SECRET }).map((p) => p.path)).toEqual([path]);
  });

  it('refuses an empty list, "*" beside types, and secrets outside 16–256 characters', () => {
    const url = 'https://x.example/h';
    expect(problems({ url, events: [], secret: SECRET })[0]?.path).toBe('events');
    expect(problems({ url, events: ['*', 'idea.submitted'], secret: SECRET })[0]?.path).toBe('events');
    expect(problems({ url, events: ['*'], secret: 'a'.repeat(15) })[0]?.path).toBe('secret');
    expect(problems({ url, events: ['*'], secret: 'a'.repeat(257) })[0]?.path).toBe('secret');
    expect(problems({ url, events: ['*'], secret: 'a'.repeat(256) })).toEqual([]);
  });
});

describe('webhookView', () => {
  it('drops the secret and shows its last 4 characters', () => {
    const view = webhookView({
      id: 'w1',
      url: 'https://x.example/h',
      events: ['*'],
      secret: 'whsec_0123456789abcdef',
      description: null,
      active: true,
      createdBy: null,
      createdAt: new Date('2026-03-02T09:00:00Z'),
      disabledAt: null,
    });
    expect(view).not.toHaveProperty('secret');
    expect(view.secretHint).toBe('…cdef');
  });
});
