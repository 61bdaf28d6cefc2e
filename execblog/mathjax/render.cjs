// Renders TeX to SVG with MathJax at build time (output slimmed by typeset.py), so the site
// ships no MathJax script or font.
//
//   node render.cjs [--assistive=mathml|speech] [--locale=en]
//
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": true|false};
// one JSON answer per line on stdout, {"svg": "..."} or {"error": "..."}.
// The first line written is {"css": "..."}: the stylesheet the SVG output needs.
//
// What a screen reader gets (--assistive):
// - mathml (MathJax's default): the SVG hidden from assistive technology, beside a copy of
//   the formula as MathML clipped to one pixel (<mjx-assistive-mml>): about ten elements a
//   formula more in the page;
// - speech: the SVG itself is the image, named by the words Speech Rule Engine (the one
//   MathJax's own accessibility extension uses, through MathJax) says for the formula,
//   e.g. "x squared plus a over b" (ClearSpeak rules).
"use strict";
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const options = Object.fromEntries(process.argv.slice(2).map((argument) => {
  const [name, value] = argument.replace(/^--/, "").split("=");
  return [name, value];
}));
const assistive = options.assistive || "mathml";
if (!["mathml", "speech"].includes(assistive)) {
  process.stderr.write(`render.cjs: --assistive must be mathml or speech, not ${assistive}\n`);
  process.exit(2);
}

const adaptor = liteAdaptor();
// For speech too: the words are said from the MathML that this handler writes beside the
// SVG (converting a formula a second time would define its \\label twice), which is then
// taken out.
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

// Without noerrors/noundefined an unknown macro is an error too. MathJax normally typesets a
// TeX error as red text in the page; throwing instead lets the build fail and name the post.
const tex = new TeX({
  packages: AllPackages.filter((name) => !["bussproofs", "noerrors", "noundefined"].includes(name)),
  formatError: (jax, err) => {
    throw err;
  },
});
// "local": each formula carries the glyphs it uses in its own <defs>; typeset.py then
// merges them into one store per page, so a glyph is sent once however often it appears.
const svg = new SVG({ fontCache: "local" });
const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });

async function speechEngine() {
  const { Sre } = require("mathjax-full/js/a11y/sre.js");
  const path = require("path");
  const maps = path.join(path.dirname(require.resolve("speech-rule-engine")), "mathmaps");
  await Sre.setupEngine({ locale: options.locale || "en", domain: "clearspeak",
                          modality: "speech", json: maps });
  await Sre.sreReady();
  return (mathml) => Sre.toSpeech(mathml).trim();
}

// The words for a formula's MathML. A numbered equation (\\tag, one labelled row) is said
// as "equation 3, ..." rather than as the one-row table with a label MathJax builds for it.
function words(math, speak) {
  const rows = adaptor.tags(math, "mlabeledtr");
  if (rows.length === 1 && adaptor.tags(math, "mtr").length === 0) {
    const [label, ...cells] = adaptor.childNodes(rows[0]);
    const body = cells.map((cell) => adaptor.innerHTML(cell)).join("");
    const number = adaptor.textContent(label).replace(/^\((.*)\)$/, "$1");
    return `equation ${number}, ` + speak(`<math display="block"><mrow>${body}</mrow></math>`);
  }
  return speak(adaptor.outerHTML(math));
}

function typeset(request, speak) {
  const node = doc.convert(request.tex, { display: Boolean(request.display) });
  if (speak) {
    const copy = adaptor.tags(node, "mjx-assistive-mml")[0];
    const image = adaptor.firstChild(node);
    adaptor.removeAttribute(image, "aria-hidden");
    adaptor.setAttribute(image, "role", "img");
    adaptor.setAttribute(image, "aria-label", words(adaptor.firstChild(copy), speak));
    adaptor.remove(copy);
  }
  return { svg: adaptor.outerHTML(node) };
}

(async () => {
  const speak = assistive === "speech" ? await speechEngine() : null;
  process.stdout.write(JSON.stringify({ css: adaptor.textContent(svg.styleSheet(doc)) }) + "\n");
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  lines.on("line", (line) => {
    let answer;
    try {
      answer = typeset(JSON.parse(line), speak);
    } catch (err) {
      answer = { error: String((err && err.message) || err) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  });
})();
