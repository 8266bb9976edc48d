import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'

// The web UI. `npm run build:web` writes web/dist, which the server serves at `/` (src/http/web-ui.ts).
// `npm run dev:web` serves it with hot reload and sends API calls to a server on :8080.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 200 },
  server: { proxy: { '/trove': 'http://127.0.0.1:8080' } },
})
