// The header's search box asks the site's own chunked index, which the build writes to
// search-index/ (see hooks/search.py). Nothing is downloaded until the reader starts a
// search; then a query fetches the manifest once, the chunks holding its words, and, for
// the results it shows, the parts of their pages that hold the words (for the excerpts).
// Keys: "/", "s" or "f" open the search, arrows move through the results, Enter follows
// one, Escape closes.
(() => {
  const parts = document.querySelector("[data-site-search-parts]");
  const header = document.querySelector(".md-header__inner");
  const toggle = document.getElementById("__search");
  if (!parts || !header || !toggle) return;
  // Into the header, where the theme puts its own search: before the repository link.
  const before = header.querySelector(".md-header__source");
  for (const element of [...parts.children]) header.insertBefore(element, before);
  parts.remove();

  const dialog = header.querySelector("[data-site-search]");
  const input = dialog.querySelector(".md-search__input");
  const meta = dialog.querySelector(".md-search-result__meta");
  const list = dialog.querySelector(".md-search-result__list");
  const config = JSON.parse(document.getElementById("__config").textContent);
  // The site's root, from the page the reader first loaded (instant navigation keeps it).
  const root = new URL(`${config.base}/`, location.href);
  const base = new URL("search-index/", root);
  const HIGHLIGHT = "highlight";
  // Each result shown fetches up to PARTS of its page's sections, those holding the most
  // words of the query (a few hundred bytes each): five results at a time.
  const SHOWN = 5;
  const PARTS = 3;
  const DEBOUNCE_MS = 150;
  // The last word is also a prefix of longer words, unless they fill more chunks than this
  // (a letter or two): then it matches whole words only, to keep the query small.
  const PREFIX_CHUNKS = 3;
  const PREFIXED = 0.7;  // a longer word's score, against the word typed
  const EXCERPT_WORDS = 30;

  // Words as hooks/search.py makes them (its words(), term() and stem()): letters and
  // digits, lowercase, accents dropped, the English plural cut off.
  const WORD = /[\p{L}\p{N}]+/gu;
  const fold = (w) => w.toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "");
  const stem = (w) => w.length <= 3 ? w
    : w.endsWith("sses") ? w.slice(0, -2)
    : w.endsWith("ies") && w.length > 4 ? `${w.slice(0, -3)}y`
    : /(ss|us|is)$/.test(w) || !w.endsWith("s") ? w : w.slice(0, -1);
  const term = (w) => stem(fold(w));
  const split = (text) => text.normalize("NFC").match(WORD) || [];

  // Files by address, each fetched once: chunks and fragments are named by their content.
  const files = new Map();
  const get = (url) => {
    if (!files.has(url.href)) {
      files.set(url.href, fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        return response.json();
      }).catch((error) => { files.delete(url.href); throw error; }));
    }
    return files.get(url.href);
  };
  // The manifest's address is always the same: one cached from before a new build names
  // chunks that are gone, so a failed query asks the server again (`fresh`).
  let manifest = null;
  const index = (fresh) => (manifest = !fresh && manifest || fetch(
    new URL("manifest.json", base), { cache: fresh ? "reload" : "default" })
    .then((response) => {
      if (!response.ok) throw new Error(`manifest.json: ${response.status}`);
      return response.json();
    }).catch((error) => { manifest = null; throw error; }));

  // The chunk that holds `word`: the last whose first word is not after it.
  const holding = (chunks, word) => {
    let low = 0;
    let high = chunks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (chunks[middle][0] <= word) low = middle; else high = middle - 1;
    }
    return low;
  };

  // The numbers of the bits set in `mask`, an integer below 2**53 (past the 32 bits that
  // JavaScript's bitwise operators keep).
  const bits = (mask) => {
    const set = [];
    for (let bit = 0; mask > 0; bit += 1, mask = Math.floor(mask / 2)) {
      if (mask % 2) set.push(bit);
    }
    return set;
  };

  // Page -> [score, index words matched, parts holding them] for one folded word of the
  // query: its stem, and for the last word also the longer words it begins. A posting's
  // score is weighed by the word's rarity across the pages (BM25's idf).
  async function postings(manifest, word, last) {
    const { chunks, pages } = manifest;
    const stemmed = stem(word);
    // The stem and the word typed share this beginning ("entr" of "entries" and "entry").
    let prefix = "";
    while (prefix.length < stemmed.length && stemmed[prefix.length] === word[prefix.length]) {
      prefix += word[prefix.length];
    }
    const first = holding(chunks, prefix);
    let end = first + 1;
    while (end < chunks.length && chunks[end][0].startsWith(prefix)) end += 1;
    const prefixed = last && prefix && end - first <= PREFIX_CHUNKS;
    const range = prefixed ? chunks.slice(first, end) : [chunks[holding(chunks, stemmed)]];
    const scores = new Map();
    for (const [, name] of range) {
      for (const [key, flat] of Object.entries(await get(new URL(name, base)))) {
        if (key !== stemmed && !(prefixed && key.startsWith(prefix))) continue;
        const count = flat.length / 3;
        const rarity = Math.log(1 + (pages - count + 0.5) / (count + 0.5));
        const weight = rarity * (key === stemmed ? 1 : PREFIXED);
        for (let i = 0, page = 0; i < flat.length; i += 3) {
          page += flat[i];
          const known = scores.get(page) || scores.set(page, [0, [], new Set()]).get(page);
          known[0] = Math.max(known[0], weight * flat[i + 1]);
          known[1].push(key);
          for (const part of bits(flat[i + 2])) known[2].add(part);
        }
      }
    }
    return scores;
  }

  // The pages that hold every word of the query, best first, each with its index words
  // and, for each word of the query, the parts of the page that hold it.
  async function find(query) {
    const typed = split(query).map(fold);
    const found = { manifest: await index(false), results: [] };
    if (!typed.length) return found;
    const each = await Promise.all(typed.map((word, i) =>
      postings(found.manifest, word, i === typed.length - 1)));
    for (const [page, [score, matched, parts]] of each[0]) {
      const others = each.slice(1).map((scores) => scores.get(page));
      if (others.some((hit) => !hit)) continue;
      found.results.push({
        page,
        score: others.reduce((sum, hit) => sum + hit[0], score),
        terms: new Set([matched, ...others.map((hit) => hit[1])].flat()),
        parts: [parts, ...others.map((hit) => hit[2])],
      });
    }
    found.results.sort((a, b) => b.score - a.score || a.page - b.page);
    return found;
  }

  // Escaped text with <mark> around the words in `terms`: `size` words from just before
  // the hit with the most hits after it, or from the beginning if there is none.
  function excerpt(text, terms, size) {
    const spans = [...text.matchAll(WORD)];
    const hits = spans.map((span) => (terms.has(term(span[0])) ? 1 : 0));
    const before = [0];
    hits.forEach((hit, i) => before.push(before[i] + hit));
    let best = -1;
    let most = 0;
    hits.forEach((hit, i) => {
      const near = before[Math.min(i + size, hits.length)] - before[i];
      if (hit && near > most) [best, most] = [i, near];
    });
    const first = Math.max(0, Math.min(best - 3, spans.length - size));
    const last = Math.min(spans.length, first + size);
    const escape = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    let at = first ? spans[first].index : 0;
    let out = first ? "… " : "";
    for (let i = first; i < last; i += 1) {
      if (!hits[i]) continue;
      out += `${escape(text.slice(at, spans[i].index))}<mark>${escape(spans[i][0])}</mark>`;
      at = spans[i].index + spans[i][0].length;
    }
    const to = last < spans.length ? spans[last - 1].index + spans[last - 1][0].length
      : text.length;
    return out + escape(text.slice(at, to)) + (to < text.length ? " …" : "");
  }

  const count = (n) => n === 0 ? "No matching documents"
    : n === 1 ? "1 matching document" : `${n} matching documents`;

  function item(url, title, excerpt, main) {
    const entry = document.createElement("li");
    entry.className = "md-search-result__item";
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = url;
    link.tabIndex = -1;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset"
      + (main ? " md-search-result__article--document" : "");
    const heading = document.createElement(main ? "h1" : "h2");
    heading.textContent = title;
    const text = document.createElement("p");
    text.innerHTML = excerpt;  // escaped text with <mark> around hits (excerpt())
    article.append(heading, text);
    link.append(article);
    entry.append(link);
    return entry;
  }

  function more(found, shown) {
    const entry = document.createElement("li");
    entry.className = "md-search-result__item";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "md-search-result__more md-typeset";
    button.textContent = `Show ${Math.min(SHOWN, found.results.length - shown)} more`;
    button.addEventListener("click", async () => {
      entry.remove();
      await show(found, shown, latest);
    });
    entry.append(button);
    return entry;
  }

  // The parts of a result's page to fetch: those holding the most words of the query
  // (ties: the first), or the first part if no word is in the text (only in the title).
  function chosen(parts) {
    const counts = new Map();
    for (const held of parts) {
      for (const part of held) counts.set(part, (counts.get(part) || 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([p]) => p);
    return ranked.length ? ranked.slice(0, PARTS) : [0];
  }

  // A result's page, from the parts of it that were fetched: its address and title, and
  // those parts' sections, each with its number on the page.
  async function fragment(manifest, result) {
    const parts = await Promise.all(chosen(result.parts).map((part) =>
      get(new URL(`${manifest.fragments}/${result.page}/${part}.json`, base))));
    const sections = parts.flatMap(({ first, sections }) =>
      sections.map((section, n) => [...section, first + n]));
    return { url: parts[0].url, title: parts[0].title, sections };
  }

  // Results shown .. shown + SHOWN of a search, unless a newer search has started.
  async function show(found, shown, ticket) {
    const results = found.results.slice(shown, shown + SHOWN);
    const pages = await Promise.all(results.map((result) => fragment(found.manifest, result)));
    if (ticket !== latest) return;
    results.forEach(({ terms }, n) => {
      const { url, title, sections } = pages[n];
      const link = new URL(url, root);
      link.searchParams.set(HIGHLIGHT, [...terms].join(" "));
      // The section with the most hits gives the excerpt; up to two more sections with
      // hits are shown under it, as the theme shows them (the page's intro has no anchor).
      const ranked = sections.map(([anchor, heading, body, at]) => ({
        anchor, heading, body, at,
        hits: split(`${heading} ${body}`).filter((w) => terms.has(term(w))).length,
      })).sort((a, b) => b.hits - a.hits || a.at - b.at);
      const best = ranked[0] || { body: "" };
      const entry = item(link.href, title, excerpt(best.body, terms, EXCERPT_WORDS), true);
      for (const section of ranked.slice(1).filter((s) => s.anchor && s.hits).slice(0, 2)) {
        link.hash = section.anchor;
        entry.append(item(link.href, section.heading,
                          excerpt(section.body, terms, EXCERPT_WORDS), false).firstChild);
      }
      list.append(entry);
    });
    if (found.results.length > shown + SHOWN) list.append(more(found, shown + SHOWN));
  }

  function clear(message) {
    list.replaceChildren();
    meta.textContent = message;
  }

  let latest = 0;
  let timer = 0;
  // Debounced: while the reader types, only the query they pause on is run (each run may
  // fetch an index chunk and the fragments of its results).
  function search(query) {
    const ticket = ++latest;
    clearTimeout(timer);
    if (!query.trim()) {
      clear("Type to start searching");
      return;
    }
    timer = setTimeout(() => run(query, ticket, false), DEBOUNCE_MS);
  }

  async function run(query, ticket, retried) {
    const start = performance.now();
    try {
      const found = await find(query);
      if (ticket !== latest) return;
      clear(count(found.results.length));
      await show(found, 0, ticket);
      // The time from the query to its results on screen (benchmarks/page_weight.py).
      performance.measure("search", { start });
    } catch (error) {
      if (!retried) {
        index(true).catch(() => {});  // (the second run reports a failure)
        await run(query, ticket, true);
        return;
      }
      if (ticket === latest) meta.textContent = "Search is not available: run `make build`.";
      console.warn("search:", error);
    }
  }

  // Start loading while the reader types (a failure shows when they search).
  const prepare = () => index(false).catch(() => {});

  function open() {
    toggle.checked = true;
    input.focus();
    prepare();
  }

  function close() {
    toggle.checked = false;
    input.blur();
  }

  input.addEventListener("focus", () => { toggle.checked = true; prepare(); });
  input.addEventListener("input", () => search(input.value));
  dialog.querySelector("form").addEventListener("submit", (event) => event.preventDefault());
  dialog.querySelector("form").addEventListener("reset", () => {
    clearTimeout(timer);
    latest += 1;
    clear("Type to start searching");
    input.focus();
  });
  toggle.addEventListener("change", () => { if (toggle.checked) input.focus(); });
  list.addEventListener("click", (event) => { if (event.target.closest("a")) close(); });

  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (!toggle.checked) {
      const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
      if (!typing && ["/", "s", "f"].includes(event.key)) {
        event.preventDefault();
        open();
      }
      return;
    }
    const links = [...list.querySelectorAll("a, button")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = at + step;
      if (next < 0) input.focus();
      else if (next < links.length) links[next].focus();
    } else if (event.key === "Enter" && document.activeElement === input && links.length) {
      event.preventDefault();
      links[0].click();
    }
  });

  // On the page a result leads to, mark the searched words in the article (after instant
  // navigation too), outside what the index leaves out: code, formulas, permalinks.
  const SKIP = "mark, script, style, svg, mjx-container, .highlight, .headerlink, .md-tags";
  const highlight = () => {
    const wanted = new URLSearchParams(location.search).get(HIGHLIGHT);
    const article = document.querySelector("article.md-content__inner");
    if (!wanted || !article) return;
    const terms = new Set(wanted.split(" "));
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest(SKIP)) nodes.push(walker.currentNode);
    }
    for (const node of nodes) {
      const hits = [...node.data.matchAll(WORD)].filter((hit) => terms.has(term(hit[0])));
      for (const hit of hits.reverse()) {  // from the end, so earlier offsets stay valid
        const word = node.splitText(hit.index);
        word.splitText(hit[0].length);
        const mark = document.createElement("mark");
        word.replaceWith(mark);
        mark.append(word);
      }
    }
  };
  if (window.document$) window.document$.subscribe(highlight);
  else highlight();
})();
