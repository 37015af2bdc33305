// Vite builds src/ into dist/, which the Rust gateway embeds and serves at /.
//
// `npm run preview` serves dist/ and forwards the API to a running gateway
// (CAPSTONE_API_URL, default http://127.0.0.1:8080), so the page and the API
// share one origin just as they do behind the gateway: the refresh cookie
// (Path=/api/v1/auth, SameSite=Strict) and the CSP's connect-src 'self' both
// depend on that.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const api = process.env.CAPSTONE_API_URL ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: api, changeOrigin: false },
  '/graphql': { target: api, changeOrigin: false },
  '/health': { target: api, changeOrigin: false },
};

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets', // the gateway serves /assets/* with a long cache
    emptyOutDir: true,
    // One CSS file, no inline styles or scripts: the gateway's CSP forbids them.
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }, // the polyfill would be an inline script
    sourcemap: false,
  },
  server: { proxy },
  preview: { proxy },
});
