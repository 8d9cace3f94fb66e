// The worker as a Vercel Edge function's service worker: edge-runtime dispatches `fetch` events.
import worker from './worker.mjs';

addEventListener('fetch', (event) => event.respondWith(worker.fetch(event.request)));
