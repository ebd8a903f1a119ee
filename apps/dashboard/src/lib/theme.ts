import { useEffect, useState } from 'react';

const KEY = 'clos.theme';
export type Theme = 'light' | 'dark' | 'system';

const systemDark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

/** Applies the chosen theme to <html> (the `dark` class the styles key on). */
export function applyTheme(theme: Theme = (localStorage.getItem(KEY) as Theme | null) ?? 'system'): void {
  const dark = theme === 'dark' || (theme === 'system' && systemDark());
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

export function setTheme(theme: Theme): void {
  localStorage.setItem(KEY, theme);
  applyTheme(theme);
  window.dispatchEvent(new Event('clos-theme'));
}

export function currentTheme(): Theme {
  return (localStorage.getItem(KEY) as Theme | null) ?? 'system';
}

/** Whether the page is dark now (re-renders on a change of choice or of the system setting). */
export function useDarkMode(): boolean {
  const [dark, setDark] = useState(() => document.documentElement.classList.contains('dark'));
  useEffect(() => {
    const update = () => setDark(document.documentElement.classList.contains('dark'));
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const onSystem = () => {
      applyTheme();
      update();
    };
    window.addEventListener('clos-theme', update);
    media.addEventListener('change', onSystem);
    return () => {
      window.removeEventListener('clos-theme', update);
      media.removeEventListener('change', onSystem);
    };
  }, []);
  return dark;
}
