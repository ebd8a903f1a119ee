import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { EOL, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { code, table, text } from './markdown.ts';
import {
  appendSummary,
  formatOutput,
  getInput,
  inputVariable,
  setOutputs,
  workflowCommand,
} from './runner.ts';

describe('the runner protocol', () => {
  it('reads inputs as the runner names them: upper-cased, spaces to underscores, hyphens kept', () => {
    expect(inputVariable('server-url')).toBe('INPUT_SERVER-URL');
    expect(inputVariable('project id')).toBe('INPUT_PROJECT_ID');
    const env = { 'INPUT_SERVER-URL': '  http://x  ', INPUT_TOKEN: '', INPUT_POD: '   ' };
    expect(getInput(env, 'server-url')).toBe('http://x');
    expect(getInput(env, 'token')).toBeUndefined();
    expect(getInput(env, 'pod')).toBeUndefined();
    expect(getInput(env, 'stage')).toBeUndefined();
  });

  it('writes one-line outputs as name=value and multi-line ones as a heredoc', () => {
    expect(formatOutput('status', 'passed')).toBe(`status=passed${EOL}`);
    expect(formatOutput('details', 'a\nb', 'END')).toBe(`details<<END${EOL}a\nb${EOL}END${EOL}`);
    // A random delimiter by default, so no value can close the heredoc and smuggle in another output.
    const heredoc = formatOutput('details', 'x\nstatus=passed');
    expect(heredoc).toMatch(/^details<<ghadelimiter_[0-9a-f-]{36}\r?\nx\nstatus=passed\r?\nghadelimiter_/);
    expect(() => formatOutput('details', 'a\nEND\nb', 'END')).toThrow(/contains the delimiter/);
  });

  it('escapes workflow command data and properties', () => {
    expect(workflowCommand('error', '50% done\r\nnext', { title: 'a: b, c' })).toBe(
      `::error title=a%3A b%2C c::50%25 done%0D%0Anext${EOL}`,
    );
    expect(workflowCommand('add-mask', 'clos_abc')).toBe(`::add-mask::clos_abc${EOL}`);
  });

  it('appends outputs and the summary to the files the runner names, and skips them outside a runner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clos-action-'));
    try {
      const env = { GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
      setOutputs(env, { status: 'failed' });
      setOutputs(env, { details: '{"a":1}' });
      appendSummary(env, '### one');
      appendSummary(env, `### two${EOL}`);
      expect(await readFile(env.GITHUB_OUTPUT, 'utf8')).toBe(`status=failed${EOL}details={"a":1}${EOL}`);
      expect(await readFile(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe(`### one${EOL}### two${EOL}`);
      expect(() => setOutputs({}, { status: 'passed' })).not.toThrow();
      expect(() => appendSummary({}, 'x')).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('summary Markdown', () => {
  it('keeps server text from breaking tables or injecting HTML', () => {
    expect(text('a | b\n<img src=x>')).toBe('a \\| b &lt;img src=x&gt;');
    expect(code('successMetrics')).toBe('`successMetrics`');
    expect(code('a`b')).toBe('`` a`b ``');
    expect(table(['A', 'B'], [['1', '2']])).toEqual(['| A | B |', '| --- | --- |', '| 1 | 2 |']);
  });
});
