// Copies the dashboard's browser assets from node_modules into the folder the app serves
// (api/dashboard/static/vendor), so the page needs no CDN and works without Internet.
// Run by `npm run vendor` after `npm ci` (the Makefile does both).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "api", "dashboard", "static", "vendor");
const FONT_WEIGHTS = ["400", "700"];

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function vendorChartJs() {
  const dist = join(modules, "chart.js", "dist");
  copy(join(dist, "chart.umd.min.js"), join(target, "chart.js", "chart.umd.min.js"));
  copy(join(modules, "chart.js", "LICENSE.md"), join(target, "chart.js", "LICENSE.md"));
}

// Noto Sans SC is split by unicode-range into ~100 woff2 files per weight: the browser loads
// only the slices a page uses. The woff fallbacks are dropped (every supported browser reads
// woff2), which halves what is copied.
function vendorNotoSansSc() {
  const pkg = join(modules, "@fontsource", "noto-sans-sc");
  const out = join(target, "noto-sans-sc");
  let css = "";
  for (const weight of FONT_WEIGHTS) {
    const text = readFileSync(join(pkg, `${weight}.css`), "utf8").replace(
      /,\s*url\([^)]*\.woff\)\s*format\('woff'\)/g,
      "",
    );
    for (const [, file] of text.matchAll(/url\(\.\/files\/([^)]+\.woff2)\)/g)) {
      copy(join(pkg, "files", file), join(out, "files", file));
    }
    css += text + "\n";
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "noto-sans-sc.css"), css);
  copy(join(pkg, "LICENSE"), join(out, "LICENSE"));
}

// The PDF notices (petitionflow/documents/) embed a subset of one whole TrueType font: the web
// slices above cannot be subset as one font, so the Regular weight comes whole from Google Fonts'
// TTF as @expo-google-fonts packs it.
function vendorNotoSansScTtf() {
  const pkg = join(modules, "@expo-google-fonts", "noto-sans-sc");
  const out = join(target, "noto-sans-sc-ttf");
  copy(join(pkg, "400Regular", "NotoSansSC_400Regular.ttf"), join(out, "NotoSansSC-Regular.ttf"));
  copy(join(pkg, "LICENSE_FONT"), join(out, "LICENSE"));
}

rmSync(target, { recursive: true, force: true });
vendorChartJs();
vendorNotoSansSc();
vendorNotoSansScTtf();
writeFileSync(
  join(target, "VERSIONS.json"),
  JSON.stringify(
    Object.fromEntries(
      ["chart.js", "@fontsource/noto-sans-sc", "@expo-google-fonts/noto-sans-sc"].map((name) => [
        name,
        JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version,
      ]),
    ),
    null,
    2,
  ) + "\n",
);
console.log(`dashboard assets copied to ${target}`);
