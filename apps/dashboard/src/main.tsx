import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './app.tsx';
import { observeTableLabels, shouldRetry } from './components/ui.tsx';
import { SessionProvider } from './lib/auth.tsx';
import { applyTheme } from './lib/theme.ts';
import './styles.css';

applyTheme();
// Zod probes `new Function` to speed up parsing; the server's Content-Security-Policy forbids it (and
// says so in the console). The interpreter is fast enough for the responses the app parses. The build
// sets this before Zod loads (vite.config.ts, `zodJitless`): the contract defines its schemas, which
// is when Zod probes, before this line runs. Here for the development server, which has no policy.
z.config({ jitless: true });

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // The stream marks data stale when it changes; no need to refetch on a timer or on focus.
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // A 4xx answer (refused, not found, invalid) will not change on retry; a 5xx or a network blip may.
      retry: shouldRetry,
    },
  },
});

// Every view's tables become labelled cards on a phone (styles.css), whichever component drew them.
observeTableLabels(document.body);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);

// Installable as an app (PWA); the worker caches the app shell only, never API answers.
if ('serviceWorker' in navigator && import.meta.env.PROD)
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js'));
