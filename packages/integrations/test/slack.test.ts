import { defaultPolicy } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import {
  channelFor,
  escapeMrkdwn,
  isSlackResponseUrl,
  link,
  notificationMessage,
  parseCommand,
  parseIdea,
  parseSlackRequest,
  readSlackSettings,
  wipMessage,
} from '../src/index.ts';

describe('readSlackSettings', () => {
  it('is off without secrets, stops on half a configuration, and ends the API root with a slash', () => {
    expect(readSlackSettings({})).toBeNull();
    expect(() => readSlackSettings({ CLOS_SLACK_SIGNING_SECRET: 's' })).toThrow(
      /CLOS_SLACK_BOT_TOKEN is not set/,
    );
    expect(() => readSlackSettings({ CLOS_SLACK_SIGNING_SECRET: 's', CLOS_SLACK_BOT_TOKEN: 'abc' })).toThrow(
      /must be a bot token/,
    );
    expect(
      readSlackSettings({
        CLOS_SLACK_SIGNING_SECRET: 's',
        CLOS_SLACK_BOT_TOKEN: 'xoxb-1',
        CLOS_SLACK_API_URL: 'http://127.0.0.1:9/api',
      }),
    ).toEqual({ signingSecret: 's', botToken: 'xoxb-1', apiUrl: 'http://127.0.0.1:9/api/' });
  });
});

describe('commands', () => {
  it('split into a subcommand and its argument', () => {
    expect(parseCommand('  WIP   ratio ')).toEqual({ sub: 'wip', arg: 'ratio' });
    expect(parseCommand('')).toEqual({ sub: '', arg: '' });
    expect(parseIdea('Faster refunds — agents wait')).toEqual({
      title: 'Faster refunds',
      description: 'agents wait',
    });
    expect(parseIdea('A -- b -- c')).toEqual({ title: 'A', description: 'b -- c' });
    expect(parseIdea('Just-a-title')).toEqual({ title: 'Just-a-title', description: null });
  });

  it('answer to Slack’s response_url, or one on the configured API root, and no other', () => {
    const api = 'http://127.0.0.1:4000/api/';
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T1/2/x', api)).toBe(true);
    expect(isSlackResponseUrl('http://hooks.slack.com/commands/T1/2/x', api)).toBe(false);
    expect(isSlackResponseUrl('http://127.0.0.1:4000/response/1', api)).toBe(true);
    expect(isSlackResponseUrl('http://127.0.0.1:4001/response/1', api)).toBe(false);
    expect(isSlackResponseUrl('https://hooks.slack.com.evil.example/x', api)).toBe(false);
    expect(isSlackResponseUrl(undefined, api)).toBe(false);
  });
});

describe('requests', () => {
  it('are a command, an interaction (form payload) or an event (JSON)', () => {
    const form = 'application/x-www-form-urlencoded';
    expect(parseSlackRequest(Buffer.from('command=%2Fclos&text=wip'), form)).toEqual({
      kind: 'command',
      body: { command: '/clos', text: 'wip' },
    });
    expect(
      parseSlackRequest(Buffer.from(`payload=${encodeURIComponent('{"type":"block_actions"}')}`), form),
    ).toEqual({
      kind: 'interaction',
      body: { type: 'block_actions' },
    });
    expect(parseSlackRequest(Buffer.from('{"type":"event_callback"}'), 'application/json').kind).toBe(
      'event',
    );
    expect(() => parseSlackRequest(Buffer.from('text=x'), form)).toThrow(/command or a payload/);
    expect(() => parseSlackRequest(Buffer.from('[1]'), 'application/json')).toThrow(/JSON object/);
  });
});

describe('messages', () => {
  it('escape what people typed and link only http(s) URLs', () => {
    expect(escapeMrkdwn('<!channel> & <b>')).toBe('&lt;!channel&gt; &amp; &lt;b&gt;');
    expect(link('https://github.com/a/b/pull/1', 'Fix <x>')).toBe(
      '<https://github.com/a/b/pull/1|Fix &lt;x&gt;>',
    );
    expect(link('javascript:alert(1)', 'x')).toBe('x');
  });

  it('show WIP with a full pod marked, holders and the line in order', () => {
    const m = wipMessage('ratio', [
      {
        itemType: 'pull-request',
        used: 1,
        limit: 1,
        holders: [{ itemId: 'a', label: 'A', url: null }],
        queue: [
          { itemId: 'b', label: null, url: null },
          { itemId: 'c', label: 'C', url: 'https://x.example/c' },
        ],
      },
    ]);
    expect(JSON.stringify(m.blocks)).toContain(
      '*pull-request*: 1/1 :no_entry:\\n  holding: A\\n  waiting: 1. b, 2. <https://x.example/c|C>',
    );
  });

  it('post a notification with its title, text and time, to the pod’s channel or the default', () => {
    const m = notificationMessage({
      id: 'e1',
      kind: 'gate.ready',
      podId: 'p',
      pod: 'ratio',
      title: 'ratio: Payments is ready',
      text: 'a <b> & c',
      occurredAt: new Date('2026-03-03T08:00:00.000Z'),
      data: {},
    });
    expect(m.text).toBe('ratio: Payments is ready');
    expect(m.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a &lt;b&gt; &amp; c' } });
    expect(JSON.stringify(m.blocks[2])).toContain('<!date^1772524800^');
    const policy = defaultPolicy({
      pods: [
        { slug: 'ratio', name: 'R', timezone: 'UTC', slack: { channel: 'C0RATIO001' } },
        { slug: 'quiet', name: 'Q', timezone: 'UTC' },
      ],
      slack: { defaultChannel: '#clos', channels: { 'alert.opened': '#ops' } },
    });
    expect(channelFor(policy, 'ratio')).toBe('C0RATIO001');
    expect(channelFor(policy, 'ratio', 'alert.opened')).toBe('#ops');
    expect(channelFor(policy, 'ratio', 'gate.ready')).toBe('C0RATIO001');
    expect(channelFor(policy, 'quiet')).toBe('#clos');
    expect(channelFor(policy, null)).toBe('#clos');
    expect(channelFor(defaultPolicy(), null)).toBeNull();
  });
});
