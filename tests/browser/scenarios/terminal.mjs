// The browser terminal in Chromium, driven as a person would: keys typed into xterm.js,
// the screen read back from xterm's rows.
//
//   node run.mjs terminal URL/terminal?invite=CODE join NAME
//     joins as NAME with the prefilled invite, checks axe-core and the page's console,
//     posts "hello from chromium", waits for "hello from ssh" to arrive live, reloads
//     (still NAME), and reads Settings (the key list); also loads the page at phone size.
//   node run.mjs terminal URL/terminal link NAME LINKCODE
//     links a fresh profile to NAME's account with a link code typed in by hand (the
//     page never takes one from the address), then waits for the camp
//     to end the session when that key is removed.

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const STEP = 30_000;

async function screen(page) {
  return page.evaluate(() =>
    (document.querySelector(".xterm-rows")?.innerText ?? "").replace(/\u00a0/g, " "),
  );
}

/** Waits (within a deadline) until the terminal shows `what`. */
async function waitFor(page, what, ms = STEP) {
  const deadline = Date.now() + ms;
  let s = "";
  while (Date.now() < deadline) {
    s = await screen(page);
    if (typeof what === "string" ? s.includes(what) : what(s)) return s;
    await page.waitForTimeout(100);
  }
  const status = await page.evaluate(() => document.getElementById("status")?.textContent);
  throw new Error(`waited for ${what}; status ${status}; the terminal shows:\n${s}`);
}

async function open(kit, url, size) {
  const page = await kit.page(size);
  await page.goto(url, { waitUntil: "load" });
  return page;
}

async function join(kit, url, name) {
  const out = {};
  const page = await open(kit, url, DESKTOP);
  const code = new URL(url).searchParams.get("invite");
  out.invite_screen = await waitFor(page, `Invite code: ${code}`);
  out.axe = await kit.axe(page);
  out.shots = [await kit.screenshot(page, "terminal-invite-desktop")];
  await page.keyboard.press("Enter");
  await waitFor(page, "Your name:");
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  await waitFor(page, "code of conduct");
  await page.keyboard.press("a");
  out.home = await waitFor(page, (s) => s.includes(`@${name}`) && s.includes("Home"));
  await page.keyboard.press("c");
  await waitFor(page, "New post");
  await page.keyboard.type("hello from chromium");
  await page.keyboard.press("Control+s");
  await waitFor(page, (s) => s.includes("hello from chromium") && !s.includes("New post"));
  out.live = await waitFor(page, "hello from ssh", 60_000);
  out.shots.push(await kit.screenshot(page, "terminal-timeline-desktop"));
  await page.reload({ waitUntil: "load" });
  out.after_reload = await waitFor(page, (s) => s.includes(`@${name}`) && s.includes("Home"));
  await page.keyboard.press("s");
  out.settings = await waitFor(page, "Link a device");
  out.shots.push(await kit.screenshot(page, "terminal-settings-desktop"));
  out.alg = await page.evaluate(async () => {
    try {
      await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign"]);
      return "Ed25519";
    } catch (e) {
      return "P-256";
    }
  });
  // The screen-reader checkbox turns xterm's accessibility tree on.
  await page.getByLabel("Screen-reader mode").check();
  out.screen_reader = await page.evaluate(
    () => document.querySelector(".xterm-accessibility-tree") !== null,
  );
  out.problems = page.problems;

  const phone = await open(kit, url, PHONE);
  out.phone_screen = await waitFor(phone, "Invite code:");
  out.phone_axe = await kit.axe(phone);
  out.phone_layout = await phone.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  out.shots.push(await kit.screenshot(phone, "terminal-phone"));
  out.phone_problems = phone.problems;
  return out;
}

async function link(kit, url, name, code) {
  const out = {};
  const page = await open(kit, url, DESKTOP);
  await waitFor(page, "Invite code:");
  await page.keyboard.type(code);
  await waitFor(page, `Invite code: ${code}`);
  await page.keyboard.press("Enter");
  // The test removes this key as soon as the camp lists it, which may be before the
  // timeline is drawn here.
  out.home = await waitFor(
    page,
    (s) => (s.includes(`@${name}`) && s.includes("Home")) || s.includes("This key was removed"),
  );
  // The camp ends the session and says why.
  out.ended = await waitFor(page, "This key was removed", 60_000);
  await page.waitForFunction(() => !document.getElementById("actions").hidden, null, {
    timeout: STEP,
  });
  out.status = await page.evaluate(() => document.getElementById("status").textContent);
  out.problems = page.problems;
  return out;
}

export default async function (kit, url, mode, name, code) {
  if (mode === "join") return join(kit, url, name);
  if (mode === "link") return link(kit, url, name, code);
  throw new Error(`unknown mode ${mode}`);
}
