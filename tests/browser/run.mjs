// Runs one browser scenario against camp and prints its result as one JSON line.
//
//   node run.mjs SCENARIO URL [ARGS...]
//
// SCENARIO names scenarios/SCENARIO.mjs, whose default export is
// `async (kit, url, ...args) => result`. The result is printed as
// {"ok":true,"result":...}; a thrown error as {"ok":false,"error":"..."} with exit 1.
//
// The browser is Debian's Chromium (CAMP_CHROMIUM, default /usr/bin/chromium), never a
// downloaded one, started headless with a fresh profile directory per `kit.profile()`.
// Screenshots go to CAMP_BROWSER_OUT (default: the current directory).

import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const EXECUTABLE = process.env.CAMP_CHROMIUM || "/usr/bin/chromium";
const OUT = process.env.CAMP_BROWSER_OUT || process.cwd();
/** Chromium's switches: no sandbox (tests may run as root), no GPU, and no traffic of
 * its own (no QUIC, sync, component updates or background fetches). */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What a scenario is given to work with. */
class Kit {
  constructor() {
    this.contexts = [];
    this.dirs = [];
    this.out = OUT;
    mkdirSync(OUT, { recursive: true });
  }

  /** A browser with a fresh profile (its own IndexedDB, storage and cookies): a
   * persistent context, so a reload keeps what the page stored. */
  async profile({ width = 1280, height = 800, colorScheme = "light" } = {}) {
    const dir = mkdtempSync(join(tmpdir(), "camp-chromium-"));
    this.dirs.push(dir);
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: EXECUTABLE,
      headless: true,
      args: ARGS,
      viewport: { width, height },
      colorScheme,
      timeout: 30_000,
    });
    this.contexts.push(context);
    return context;
  }

  /** A page in a fresh profile at `width`×`height` (and `colorScheme`, light or
   * dark), with the console errors and CSP
   * violations it reports collected in `page.problems`. */
  async page(size) {
    const context = await this.profile(size);
    const page = context.pages()[0] ?? (await context.newPage());
    page.problems = [];
    page.on("console", (m) => {
      if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
    return page;
  }

  /** axe-core's violations on the page, as {id, impact, help, nodes: [html...]}.
   * Injected through the debugger protocol, which the page's CSP does not govern. */
  async axe(page) {
    const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
    await page.evaluate(source);
    const results = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { resultTypes: ["violations"] }),
    );
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.html),
    }));
  }

  /** Saves a full-page screenshot as OUT/NAME.png and returns its path. */
  async screenshot(page, name) {
    const path = join(this.out, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  async close() {
    for (const c of this.contexts) await c.close().catch(() => {});
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

async function main() {
  const [scenario, url, ...args] = process.argv.slice(2);
  if (!scenario || !url || !/^[a-z0-9_-]+$/.test(scenario)) {
    throw new Error("usage: node run.mjs SCENARIO URL [ARGS...]");
  }
  const module = await import(pathToFileURL(join(here, "scenarios", `${scenario}.mjs`)));
  const kit = new Kit();
  try {
    return await module.default(kit, url, ...args);
  } finally {
    await kit.close();
  }
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify({ ok: true, result }) + "\n");
    process.exit(0);
  },
  (e) => {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e?.stack ?? e) }) + "\n");
    process.exit(1);
  },
);
