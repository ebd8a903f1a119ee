// CLOS service worker: makes the dashboard installable and opens it offline to its shell. It caches
// the app's own files only — never API answers or the event stream, which must always be live.
const SHELL = 'clos-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(['/', '/manifest.webmanifest', '/icons/icon-192.png'])),
  );
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))),
  );
  self.clients.claim();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Sign-in redirects and the API always go to the server, never to a cached copy.
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/auth/') || url.pathname === '/graphql')
    return;
  // Hashed assets never change: cache first. Pages: network first, the cached shell when offline.
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then((res) => {
            const copy = res.clone();
            if (res.ok) void caches.open(SHELL).then((c) => c.put(event.request, copy));
            return res;
          }),
      ),
    );
    return;
  }
  if (event.request.mode === 'navigate')
    event.respondWith(
      fetch(event.request).catch(() => caches.match('/').then((hit) => hit ?? Response.error())),
    );
});
