/** Table classes shared by the pod page's panels. */
export const TABLE = 'w-full text-sm';
export const TH = 'px-3 py-2 text-left text-xs uppercase tracking-wide text-slate-500';
export const TD = 'px-3 py-2 border-t border-slate-200 dark:border-slate-800';
