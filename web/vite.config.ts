import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The hub serves web/dist itself (src/web/web.routes.ts); `npm run build:web` writes it.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
