// Strict JSON-LD check of the documents camp serves, for camp's integration tests.
//
// Reads a JSON array of {"url": ..., "document": ...} from stdin, expands every
// document with jsonld.js in safe mode (it throws on a protected-term redefinition,
// a dropped term and every other lossy step), and also refuses what safe mode lets
// through but a strict processor would not understand: a property or type that
// expands to a blank node (an undefined term caught by the AS2 `@vocab: "_:"`) or
// to a relative IRI.
//
// Contexts are loaded from local copies shipped by npm packages, never from the
// network: the document loader throws on any URL it does not know.
//
// Prints one JSON line per document ({"url", "ok", "error"}) and then
// a count; exits 1 when any document failed.

import jsonld from "jsonld";
import { preloadedContexts } from "@fedify/vocab-runtime";
import didContext from "did-context";
import securityContext from "@digitalbazaar/security-context";
import multikeyContext from "@digitalbazaar/multikey-context";
import dataIntegrityContext from "@digitalbazaar/data-integrity-context";

const AS2 = "https://www.w3.org/ns/activitystreams";

/** The published contexts a camp document may name, from local copies only. */
const contexts = new Map([
  // The AS2 context is not published on npm on its own; Fedify ships a copy.
  [AS2, preloadedContexts[AS2]],
  ...securityContext.contexts,
  ...didContext.contexts,
  ...multikeyContext.contexts,
  ...dataIntegrityContext.contexts,
]);

function documentLoader(url) {
  const document = contexts.get(url);
  if (document === undefined) {
    throw new Error(`unknown context URL (no network here): ${url}`);
  }
  return Promise.resolve({ contextUrl: null, documentUrl: url, document });
}

const absolute = (iri) => /^[a-z][a-z0-9+.-]*:/i.test(iri) && !iri.startsWith("_:");

/** Every property and type in expanded JSON-LD must be an absolute IRI. */
function checkExpanded(node, path, problems) {
  if (Array.isArray(node)) {
    node.forEach((n, i) => checkExpanded(n, `${path}[${i}]`, problems));
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "@type") {
      if ("@value" in node) {
        if (typeof value === "string" && !absolute(value) && value !== "@json") {
          problems.push(`${path}: value type ${value} is not an absolute IRI`);
        }
        continue;
      }
      for (const t of [value].flat()) {
        if (!absolute(t)) problems.push(`${path}: type ${t} is not an absolute IRI`);
      }
      continue;
    }
    if (key.startsWith("@")) {
      if (key !== "@value") checkExpanded(value, `${path}.${key}`, problems);
      continue;
    }
    if (!absolute(key)) {
      problems.push(`${path}: property ${key} is not defined by the context`);
    }
    checkExpanded(value, `${path}.${key}`, problems);
  }
}

/**
 * The published contexts a strict server (Fedify, bovine) already has active when it
 * meets a camp document embedded in its own activity: camp's document must not
 * redefine any of their protected terms.
 */
const EMBEDDING_CONTEXT = [
  AS2,
  "https://w3id.org/security/v1",
  "https://www.w3.org/ns/did/v1",
  "https://w3id.org/security/multikey/v1",
  "https://w3id.org/security/data-integrity/v1",
];

async function expandStrictly(document) {
  const expanded = await jsonld.expand(document, { documentLoader, safeMode: true });
  if (expanded.length === 0) throw new Error("expands to nothing");
  const problems = [];
  checkExpanded(expanded, "$", problems);
  if (problems.length > 0) throw new Error(problems.join("; "));
}

const reason = (e) => {
  const inner = e?.cause ?? e;
  const d = inner?.details;
  const detail = d?.event?.message ?? d?.cause?.message ?? d?.code ?? "";
  return `${e.message} ${detail}`.trim();
};

/** Both checks, every reason a document is refused (empty when it is accepted). */
async function check(document) {
  const errors = [];
  await expandStrictly(document).catch((e) => errors.push(reason(e)));
  // The same document embedded in someone else's activity.
  await expandStrictly({
    "@context": EMBEDDING_CONTEXT,
    id: "urn:camp-test:embedding",
    type: "Announce",
    object: document,
  }).catch((e) =>
    errors.push(`embedded in an activity with the published contexts: ${reason(e)}`),
  );
  return errors;
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const docs = JSON.parse(Buffer.concat(chunks).toString("utf8"));

let passed = 0;
let failed = 0;
for (const { url, document } of docs) {
  const errors = await check(document);
  if (errors.length === 0) {
    passed += 1;
    console.log(JSON.stringify({ url, ok: true }));
  } else {
    failed += 1;
    console.log(JSON.stringify({ url, ok: false, error: errors.join(" | ") }));
  }
}
console.log(`jsonld: ${passed} documents expanded strictly, ${failed} refused`);
process.exit(failed === 0 ? 0 : 1);
