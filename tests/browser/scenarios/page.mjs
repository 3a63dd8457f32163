// Loads one page of the door at desktop and phone size (and the phone in dark mode):
// HTTP status, title, text, axe-core's violations, whether the layout scrolls
// sideways, console errors and CSP violations, and a screenshot of each. Every
// <details> is opened first, so what it hides is checked and seen too.
//
//   node run.mjs page URL NAME      (screenshots NAME-desktop.png, NAME-phone.png,
//                                    NAME-phone-dark.png)

const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
  "phone-dark": { width: 390, height: 844, colorScheme: "dark" },
};

export default async function (kit, url, name = "page") {
  const out = {};
  for (const [label, size] of Object.entries(SIZES)) {
    const page = await kit.page(size);
    const response = await page.goto(url, { waitUntil: "load" });
    await page.evaluate(() => {
      for (const d of document.querySelectorAll("details")) d.open = true;
    });
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      scheme: getComputedStyle(document.body).backgroundColor,
    }));
    out[label] = {
      status: response?.status() ?? null,
      title: await page.title(),
      text: await page.evaluate(() => document.body.innerText),
      violations: await kit.axe(page),
      overflows: layout.scrollWidth > layout.innerWidth,
      layout,
      problems: page.problems,
      screenshot: await kit.screenshot(page, `${name}-${label}`),
    };
  }
  return out;
}
