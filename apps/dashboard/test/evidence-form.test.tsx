// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EvidenceForm } from '../src/components/evidence-form.tsx';
import {
  compactEvidence,
  fieldsOf,
  gateFieldErrors,
  serverFieldErrors,
  setAt,
  validateEvidence,
  wordsFor,
} from '../src/lib/evidence-form.ts';

afterEach(cleanup);

const discovery = {
  type: 'object',
  required: ['problemStatement', 'owner'],
  properties: {
    problemStatement: { type: 'string', minLength: 10, description: 'The problem, who has it and why.' },
    owner: { type: 'string', format: 'email', description: 'The person accountable.' },
  },
};
const build = {
  type: 'object',
  required: ['designDocUrl', 'successMetrics'],
  properties: {
    designDocUrl: { type: 'string', format: 'uri', title: 'Design document' },
    successMetrics: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
};
const rich = {
  type: 'object',
  required: ['ciPassing', 'risk'],
  properties: {
    ciPassing: { const: true, description: 'CI is green on main.' },
    risk: { enum: ['low', 'medium', 'high'] },
    review: { type: 'object', required: ['by'], properties: { by: { type: 'string', format: 'email' } } },
    extra: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
};

describe('the schema as fields', () => {
  it('reads titles, descriptions, required marks, formats, enums, arrays, booleans and nesting', () => {
    const fields = fieldsOf({ ...build, properties: { ...build.properties, ...rich.properties } });
    const by = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(by.designDocUrl).toMatchObject({
      kind: 'text',
      input: 'url',
      label: 'Design document',
      required: true,
    });
    expect(by.successMetrics).toMatchObject({ kind: 'array', label: 'Success metrics', minItems: 1 });
    expect(by.ciPassing).toMatchObject({ kind: 'boolean', mustBeTrue: true, help: 'CI is green on main.' });
    expect(by.risk).toMatchObject({ kind: 'select', options: ['low', 'medium', 'high'] });
    expect(by.review).toMatchObject({
      kind: 'object',
      fields: [{ key: 'by', path: 'review.by', required: true }],
    });
    expect(by.extra).toMatchObject({ kind: 'number', integer: true, minimum: 1, required: false });
  });
});

describe('validation in words', () => {
  it('says what is wrong with each field, as the gate would', () => {
    expect(validateEvidence(discovery, { problemStatement: 'short', owner: 'nope' })).toEqual([
      { path: 'problemStatement', message: 'needs at least 10 characters (has 5)' },
      { path: 'owner', message: 'must be an email address' },
    ]);
    expect(validateEvidence(build, { designDocUrl: 'docs/design', successMetrics: [] })).toEqual([
      { path: 'designDocUrl', message: 'must be a URL, e.g. https://example.com/doc' },
      { path: 'successMetrics', message: 'needs at least one entry' },
    ]);
    expect(
      validateEvidence(rich, { ciPassing: false, risk: 'huge', review: {}, extra: 0, other: 1 }),
    ).toEqual([
      { path: 'ciPassing', message: 'must be ticked' },
      { path: 'risk', message: 'must be one of “low”, “medium”, “high”' },
      { path: 'review.by', message: 'is required' },
      { path: 'extra', message: 'must be at least 1' },
      { path: 'other', message: 'is not a field this gate accepts' },
    ]);
    expect(validateEvidence(rich, { risk: 'low' })).toEqual([
      { path: 'ciPassing', message: 'must be ticked' },
    ]);
    expect(
      validateEvidence(discovery, { problemStatement: 'Engineers lose work offline.', owner: 'a@b.co' }),
    ).toEqual([]);
  });

  it('translates the server’s messages, never showing Ajv’s wording or body paths', () => {
    expect(wordsFor('evidence field "rollbackPlan" must NOT have fewer than 10 characters')).toBe(
      'needs at least 10 characters',
    );
    expect(wordsFor('evidence field "x" must match format "uri"')).toMatch(/^must be a URL/);
    expect(wordsFor('evidence field "ciPassing" must be equal to constant', { const: true })).toBe(
      'must be ticked',
    );
    const gate = {
      projectId: 'p',
      currentStage: 'inception',
      nextStage: 'discovery',
      ready: false,
      criteria: [
        { kind: 'evidence' as const, met: false, path: '(root)', message: 'no evidence' },
        {
          kind: 'evidence' as const,
          met: false,
          path: 'owner',
          message: 'evidence field "owner" must match format "email"',
        },
      ],
    };
    expect(gateFieldErrors(gate)).toEqual([{ path: 'owner', message: 'must be an email address' }]);
    const refusal = new ClosApiError({
      status: 400,
      code: 'invalid_request',
      message: 'The request is invalid',
      details: [{ path: 'body.evidence.owner', message: 'must NOT have more than 5 characters' }],
      requestId: 'r',
      route: 'submitEvidence',
    });
    expect(serverFieldErrors(refusal)).toEqual([{ path: 'owner', message: 'may have at most 5 characters' }]);
  });

  it('edits by path and leaves out what was left empty', () => {
    expect(setAt({ a: 1 }, 'review.by', 'x')).toEqual({ a: 1, review: { by: 'x' } });
    expect(setAt({ a: 1, b: 2 }, 'b', undefined)).toEqual({ a: 1 });
    expect(compactEvidence({ a: '', b: ['x', '', ' '], c: { d: '' }, e: false })).toEqual({
      b: ['x'],
      c: {},
      e: false,
    });
  });
});

describe('the evidence form', () => {
  it('shows field errors in words after leaving a field, blocks an invalid submission, then submits', () => {
    const onSubmit = vi.fn();
    render(<EvidenceForm schema={build} stage="build" initial={null} onSubmit={onSubmit} />);
    const url = screen.getByLabelText(/Design document/);
    expect(url.getAttribute('type')).toBe('url');
    expect(url.getAttribute('aria-required')).toBe('true');
    fireEvent.change(url, { target: { value: 'not a url' } });
    fireEvent.blur(url);
    expect(screen.getByText(/must be a URL/)).toBeTruthy();
    expect(url.getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toContain('2 fields need attention');
    expect(screen.getByText('is required')).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/must NOT|body\./);

    fireEvent.change(url, { target: { value: 'https://docs.example.com/design' } });
    fireEvent.change(screen.getByLabelText('Success metrics: entry 1'), {
      target: { value: 'p95 < 200 ms' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add an entry to Success metrics' }));
    fireEvent.change(screen.getByLabelText('Success metrics: entry 2'), { target: { value: 'NPS +5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add an entry to Success metrics' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove entry 3 of Success metrics' }));
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect(onSubmit).toHaveBeenCalledWith({
      designDocUrl: 'https://docs.example.com/design',
      successMetrics: ['p95 < 200 ms', 'NPS +5'],
    });
  });

  it('keeps the values when switching between the form and the JSON tab', () => {
    const onSubmit = vi.fn();
    render(<EvidenceForm schema={rich} stage="validate" initial={{ risk: 'medium' }} onSubmit={onSubmit} />);
    expect((screen.getByLabelText(/Risk/) as HTMLSelectElement).value).toBe('1');
    fireEvent.click(screen.getByLabelText(/Ci passing/));
    fireEvent.click(screen.getByRole('tab', { name: 'JSON' }));
    const json = screen.getByLabelText('Evidence (JSON)') as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ risk: 'medium', ciPassing: true });
    fireEvent.change(json, { target: { value: '{"risk": "high", "ciPassing": true' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Form' }));
    expect(screen.getByRole('alert').textContent).toMatch(/not valid JSON/);
    fireEvent.change(json, { target: { value: '{"risk": "high", "ciPassing": true}' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Form' }));
    expect(screen.getByRole('tab', { name: 'Form' }).getAttribute('aria-selected')).toBe('true');
    expect((screen.getByLabelText(/Risk/) as HTMLSelectElement).value).toBe('2');
    expect((screen.getByLabelText(/Ci passing/) as HTMLInputElement).checked).toBe(true);
  });

  it('shows the server’s verdict beside its field until the field is edited', () => {
    render(
      <EvidenceForm
        schema={discovery}
        stage="discovery"
        initial={{ problemStatement: 'short', owner: 'a@b.co' }}
        serverErrors={[{ path: 'problemStatement', message: 'needs at least 10 characters' }]}
        onSubmit={() => {}}
      />,
    );
    const field = screen.getByLabelText(/Problem statement/);
    expect(screen.getByText('needs at least 10 characters')).toBeTruthy();
    fireEvent.change(field, { target: { value: 'Long enough statement' } });
    expect(screen.queryByText(/needs at least 10 characters/)).toBeNull();
  });

  it('offers the form when the schema arrives after the form was drawn (the policy loading late)', () => {
    const view = render(<EvidenceForm schema={null} stage="discovery" initial={null} onSubmit={() => {}} />);
    expect(screen.queryByLabelText(/Problem statement/)).toBeNull();
    view.rerender(<EvidenceForm schema={discovery} stage="discovery" initial={null} onSubmit={() => {}} />);
    expect(screen.getByText('The problem, who has it and why.')).toBeTruthy();
    expect(screen.getByLabelText(/Problem statement/).getAttribute('aria-required')).toBe('true');
  });

  it('keeps JSON typed before the schema arrived, in the JSON tab', () => {
    const view = render(<EvidenceForm schema={null} stage="discovery" initial={null} onSubmit={() => {}} />);
    const typed = '{ "problemStatement": "Typed before the policy came" }';
    fireEvent.change(screen.getByRole('textbox'), { target: { value: typed } });
    view.rerender(<EvidenceForm schema={discovery} stage="discovery" initial={null} onSubmit={() => {}} />);
    expect((screen.getByRole('textbox') as HTMLTextAreaElement).value).toBe(typed);
    expect(screen.queryByLabelText(/Problem statement/)).toBeNull();
  });

  it('offers only JSON without a schema', () => {
    const onSubmit = vi.fn();
    render(<EvidenceForm schema={null} stage="x" initial={{ a: 1 }} onSubmit={onSubmit} />);
    expect(screen.queryByRole('tab')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect(onSubmit).toHaveBeenCalledWith({ a: 1 });
  });
});
