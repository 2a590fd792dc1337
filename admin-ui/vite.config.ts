import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w admin-ui` proxies the API to a control plane on :8080 (make dev).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/files': 'http://127.0.0.1:8080' } },
});
