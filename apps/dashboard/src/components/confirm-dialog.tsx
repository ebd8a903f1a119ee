import { type ReactNode, useEffect, useId, useRef } from 'react';
import { Button, ErrorNote } from './ui.tsx';

/**
 * Asks before an action that cannot be taken back (revoking, deactivating, ending a session), naming
 * its consequences. A modal `<dialog>`: the browser keeps focus inside it and Escape cancels; focus
 * starts on Cancel, so a stray Enter does nothing harmful. A refusal is shown inside the dialog,
 * beside the buttons that caused it.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = 'danger',
  busy = false,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  busy?: boolean;
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement as HTMLElement | null;
    if (!dialog.open) {
      // Test DOMs may lack showModal; `open` still shows it (without the page made inert).
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    dialog.querySelector<HTMLButtonElement>('[data-cancel]')?.focus();
    return () => {
      if (dialog.open && typeof dialog.close === 'function') dialog.close();
      before?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
        // Escape: leave the closing to the owner, which unmounts the dialog.
        e.preventDefault();
        if (!busy) onCancel();
      }}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <div className="space-y-4 p-5">
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          {title}
        </h2>
        <div id={`${id}-body`} className="space-y-2 text-sm text-slate-700 dark:text-slate-300">
          {children}
        </div>
        {error ? <ErrorNote error={error} title="Refused" /> : null}
        <div className="flex flex-wrap justify-end gap-2">
          <Button data-cancel variant="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button variant={tone} onClick={onConfirm} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </Button>
        </div>
      </div>
    </dialog>
  );
}
