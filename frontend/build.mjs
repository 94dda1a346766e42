// Bundle the browser assets into the Python package's static folder.
// Everything the pages load comes from here: no CDN, no tiles by default.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here("../src/sidestream/web/static/build/");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

await build({
  entryPoints: { app: here("src/app.js") },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "assets/[name]-[hash]",
  logLevel: "info",
});

// Served as files: the offline basemap (Natural Earth via world-atlas) and axe-core,
// which the browser tests inject from here instead of from a CDN.
await copyFile(here("node_modules/world-atlas/countries-10m.json"), `${out}countries-10m.json`);
await copyFile(here("node_modules/axe-core/axe.min.js"), `${out}axe.min.js`);
