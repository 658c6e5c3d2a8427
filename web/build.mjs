// Bundles the dashboard into dist/: index.html, app.js and app.css (uPlot's CSS
// included). Everything is served by `citybrain serve`; nothing is fetched from
// outside at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { app: 'src/main.ts' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: 'dist',
  logLevel: 'warning',
  legalComments: 'linked',
});
copyFileSync('src/index.html', 'dist/index.html');
console.log('citybrain dashboard built into web/dist');
