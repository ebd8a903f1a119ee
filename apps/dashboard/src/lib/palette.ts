/**
 * One palette tied to meaning, for every chart and badge: a colour per stage (by its place in the
 * policy's order, so "build" is the same colour on the funnel, the overview and the trends), one
 * colour for "full" WIP, one per project outcome. Each colour has a light-theme and a dark-theme
 * shade: the darker 600s keep 3:1 against white, the lighter 400s keep it against slate-900.
 *
 * Red and amber mean WIP states (full, nearly full), and green means under the limit; the stage
 * colours avoid all three so a stage never reads as a warning.
 */

export interface Shade {
  light: string;
  dark: string;
}

/** Stage colours in policy order; a policy with more stages than these starts again at the first. */
export const STAGE_SHADES: readonly Shade[] = [
  { light: '#0284c7', dark: '#38bdf8' }, // sky
  { light: '#4f46e5', dark: '#818cf8' }, // indigo
  { light: '#9333ea', dark: '#c084fc' }, // purple
  { light: '#0d9488', dark: '#2dd4bf' }, // teal
  { light: '#db2777', dark: '#f472b6' }, // pink
  { light: '#0891b2', dark: '#22d3ee' }, // cyan
  { light: '#7c3aed', dark: '#a78bfa' }, // violet
  { light: '#475569', dark: '#94a3b8' }, // slate
];

/** "Full" WIP (used ≥ limit), wherever it is drawn: the heatmap's full band uses the same red. */
export const FULL: Shade = { light: '#dc2626', dark: '#f87171' };
/** Nearly full WIP. */
export const NEARLY_FULL: Shade = { light: '#d97706', dark: '#fbbf24' };

export const OUTCOME_SHADES: Readonly<Record<'shipped' | 'cancelled', Shade>> = {
  shipped: { light: '#15803d', dark: '#4ade80' },
  cancelled: { light: '#64748b', dark: '#94a3b8' },
};

/** Series that are neither a stage nor an outcome (pods, idea steps): distinct from the stage colours' meaning. */
export const SERIES_SHADES: readonly Shade[] = [
  { light: '#2563eb', dark: '#60a5fa' }, // blue
  { light: '#c026d3', dark: '#e879f9' }, // fuchsia
  { light: '#0f766e', dark: '#5eead4' }, // teal
  { light: '#b45309', dark: '#fcd34d' }, // amber (darker, so not the WIP "nearly full")
  { light: '#4338ca', dark: '#a5b4fc' }, // indigo
  { light: '#be123c', dark: '#fda4af' }, // rose
];

/** Text and grid lines of charts, readable on the card's background in each theme. */
export const CHART_INK: Readonly<Record<'light' | 'dark', { text: string; muted: string; grid: string }>> = {
  light: { text: '#1e293b', muted: '#475569', grid: '#e2e8f0' },
  dark: { text: '#e2e8f0', muted: '#cbd5e1', grid: '#334155' },
};

export const shade = (s: Shade, dark: boolean): string => (dark ? s.dark : s.light);

/** The colour of `stage`, by its place in `stages` (the policy's order); slate for a stage not in it. */
export function stageColour(stage: string, stages: readonly string[], dark = false): string {
  const i = stages.indexOf(stage);
  const s = i < 0 ? STAGE_SHADES[STAGE_SHADES.length - 1]! : STAGE_SHADES[i % STAGE_SHADES.length]!;
  return shade(s, dark);
}

/** Every stage's colour, keyed by name, in the policy's order. */
export function stageColours(stages: readonly string[], dark = false): Record<string, string> {
  return Object.fromEntries(stages.map((s) => [s, stageColour(s, stages, dark)]));
}

/** The `i`-th colour for series with no meaning of their own (pods, in their listed order). */
export function seriesColour(i: number, dark = false): string {
  return shade(SERIES_SHADES[i % SERIES_SHADES.length]!, dark);
}
