// Loads one page of the door at desktop and phone size: HTTP status, title, text,
// axe-core's violations, whether the phone layout scrolls sideways, console errors
// and CSP violations, and a screenshot of each.
//
//   node run.mjs page URL NAME      (screenshots NAME-desktop.png, NAME-phone.png)

const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

export default async function (kit, url, name = "page") {
  const out = {};
  for (const [label, size] of Object.entries(SIZES)) {
    const page = await kit.page(size);
    const response = await page.goto(url, { waitUntil: "load" });
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
