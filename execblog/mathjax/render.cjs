// Renders TeX to SVG with MathJax at build time (output slimmed by mathjax.py), so the site ships no MathJax script or font.
//
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": true|false};
// one JSON answer per line on stdout, {"svg": "..."} or {"error": "..."}.
// The first line written is {"css": "..."}: the stylesheet the SVG output needs.
"use strict";
const readline = require("readline");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

// Without noerrors/noundefined an unknown macro is an error too. MathJax normally typesets a TeX error as red text in the page; throwing instead lets the
// build fail and name the post.
const tex = new TeX({
  packages: AllPackages.filter((name) => !["bussproofs", "noerrors", "noundefined"].includes(name)),
  formatError: (jax, err) => {
    throw err;
  },
});
// "local": each formula carries the glyphs it uses in its own <defs>; mathjax.py then
// merges them into one store per page, so a glyph is sent once however often it appears.
const svg = new SVG({ fontCache: "local" });
const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });

process.stdout.write(JSON.stringify({ css: adaptor.textContent(svg.styleSheet(doc)) }) + "\n");

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    const node = doc.convert(request.tex, { display: Boolean(request.display) });
    answer = { svg: adaptor.outerHTML(node) };
  } catch (err) {
    answer = { error: String((err && err.message) || err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
