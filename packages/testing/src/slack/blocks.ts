/**
 * The Block Kit checks Slack applies before it accepts a message or a modal, limited to the limits its
 * reference documents (counts, lengths, required fields, plain_text where only plain_text is allowed,
 * unique block ids). Slack refuses a whole message for one bad block, so a layout that only works against
 * a lenient fake would fail in production: these checks make the fake refuse it too, with Slack's wording
 * (`must be less than 151 characters [json-pointer:/blocks/0/text/text]`).
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
  'context_actions',
]);

class Problems {
  readonly list: string[] = [];
  add(message: string, pointer: string): void {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }
  maxLength(value: unknown, max: number, pointer: string): void {
    if (typeof value === 'string' && value.length > max)
      this.add(`must be less than ${max + 1} characters`, pointer);
  }
  string(value: unknown, pointer: string, max: number, required = true): void {
    if (value === undefined && !required) return;
    if (typeof value !== 'string') this.add('must be a string', pointer);
    else if (value.length === 0) this.add('must be more than 0 characters', pointer);
    else this.maxLength(value, max, pointer);
  }
}

function textObject(p: Problems, value: unknown, pointer: string, max: number, plainOnly: boolean): void {
  if (!isObject(value)) {
    p.add('must provide an object', pointer);
    return;
  }
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(String(value.type)))
    p.add(`must be one of the following types: [${allowed.join(', ')}]`, `${pointer}/type`);
  p.string(value.text, `${pointer}/text`, max);
}

function element(p: Problems, value: unknown, pointer: string, actionIds: Set<string>): void {
  if (!isObject(value) || typeof value.type !== 'string') {
    p.add('must provide an object with a type', pointer);
    return;
  }
  if (value.action_id !== undefined) {
    p.string(value.action_id, `${pointer}/action_id`, 255);
    // Two elements of one block with one action_id could not be told apart when clicked.
    if (typeof value.action_id === 'string') {
      if (actionIds.has(value.action_id)) p.add('duplicate action_id', `${pointer}/action_id`);
      actionIds.add(value.action_id);
    }
  }
  if (value.type === 'button') {
    textObject(p, value.text, `${pointer}/text`, 75, true);
    p.string(value.value, `${pointer}/value`, 2000, false);
    p.string(value.url, `${pointer}/url`, 3000, false);
    if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
      p.add('must be one of [primary, danger]', `${pointer}/style`);
  }
  if (value.type === 'plain_text_input') {
    if (value.max_length !== undefined && (typeof value.max_length !== 'number' || value.max_length > 3000))
      p.add('must be a number no greater than 3000', `${pointer}/max_length`);
  }
  if (value.type === 'image') p.string(value.alt_text, `${pointer}/alt_text`, 2000);
}

function block(p: Problems, value: unknown, pointer: string, blockIds: Set<string>): void {
  if (!isObject(value)) {
    p.add('must provide an object', pointer);
    return;
  }
  if (typeof value.type !== 'string' || !BLOCK_TYPES.has(value.type)) {
    p.add(`unsupported type: ${String(value.type)}`, `${pointer}/type`);
    return;
  }
  if (value.block_id !== undefined) {
    p.string(value.block_id, `${pointer}/block_id`, 255);
    if (typeof value.block_id === 'string') {
      if (blockIds.has(value.block_id)) p.add('duplicate block_id', `${pointer}/block_id`);
      blockIds.add(value.block_id);
    }
  }
  const actionIds = new Set<string>();
  switch (value.type) {
    case 'section': {
      if (value.text === undefined && value.fields === undefined)
        p.add('must provide either text or fields', pointer);
      if (value.text !== undefined) textObject(p, value.text, `${pointer}/text`, 3000, false);
      if (value.fields !== undefined) {
        if (!Array.isArray(value.fields) || value.fields.length === 0 || value.fields.length > 10)
          p.add('must provide an array of 1 to 10 items', `${pointer}/fields`);
        else
          for (const [i, f] of value.fields.entries())
            textObject(p, f, `${pointer}/fields/${i}`, 2000, false);
      }
      if (value.accessory !== undefined) element(p, value.accessory, `${pointer}/accessory`, actionIds);
      break;
    }
    case 'header':
      textObject(p, value.text, `${pointer}/text`, 150, true);
      break;
    case 'context':
    case 'actions': {
      const max = value.type === 'context' ? 10 : 25;
      const elements = value.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > max) {
        p.add(`must provide an array of 1 to ${max} items`, `${pointer}/elements`);
        break;
      }
      elements.forEach((e, i) => {
        const at = `${pointer}/elements/${i}`;
        if (value.type === 'context' && isObject(e) && (e.type === 'mrkdwn' || e.type === 'plain_text'))
          textObject(p, e, at, 3000, false);
        else element(p, e, at, actionIds);
      });
      break;
    }
    case 'input':
      textObject(p, value.label, `${pointer}/label`, 2000, true);
      if (value.hint !== undefined) textObject(p, value.hint, `${pointer}/hint`, 2000, true);
      if (value.element === undefined) p.add('must provide an element', `${pointer}/element`);
      else element(p, value.element, `${pointer}/element`, actionIds);
      break;
    case 'image':
      p.string(value.alt_text, `${pointer}/alt_text`, 2000);
      break;
    case 'markdown':
      p.string(value.text, `${pointer}/text`, 12000);
      break;
  }
}

/** Problems with a message's or a view's `blocks`, each as Slack words it; empty when Slack would accept them. */
export function blockProblems(blocks: unknown, max: number, pointer = '/blocks'): string[] {
  const p = new Problems();
  if (!Array.isArray(blocks)) {
    p.add('must provide an array', pointer);
    return p.list;
  }
  if (blocks.length > max) p.add(`no more than ${max} items allowed`, pointer);
  const blockIds = new Set<string>();
  for (const [i, b] of blocks.entries()) block(p, b, `${pointer}/${i}`, blockIds);
  return p.list;
}

/** Problems with a modal view passed to `views.open`; empty when Slack would open it. */
export function viewProblems(view: unknown): string[] {
  const p = new Problems();
  if (!isObject(view)) {
    p.add('must provide an object', '/view');
    return p.list;
  }
  if (view.type !== 'modal') p.add('must be one of [modal]', '/view/type');
  textObject(p, view.title, '/view/title', 24, true);
  if (view.close !== undefined) textObject(p, view.close, '/view/close', 24, true);
  if (view.submit !== undefined) textObject(p, view.submit, '/view/submit', 24, true);
  p.string(view.callback_id, '/view/callback_id', 255, false);
  p.string(view.external_id, '/view/external_id', 255, false);
  if (typeof view.private_metadata === 'string')
    p.maxLength(view.private_metadata, 3000, '/view/private_metadata');
  p.list.push(...blockProblems(view.blocks, 100, '/view/blocks'));
  // Slack will not open a form that cannot be submitted.
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
  if (hasInput && view.submit === undefined)
    p.add('must provide submit when the view has input blocks', '/view/submit');
  return p.list;
}
