// The header's search box asks the site's own chunked index, which the build writes to
// search-index/ (execblog/search/). Nothing is downloaded until the reader starts a search;
// then a query fetches the manifest and the stemmer once, the chunks holding its words,
// and, for the results it shows, the parts of their pages that hold the words (for the
// excerpts). A word the index lacks is corrected to the closest word of the chunk fetched
// for it or of its first letter's vocabulary ("Showing results for ..."); pages holding
// only some of the words are listed after those holding all, with the words they miss.
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
  const note = dialog.querySelector(".md-search-result__note");
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
  // A word's score by how it matched: the word typed, a longer word it begins (the last
  // word only), or the closest word when the index lacks the word typed.
  const PREFIXED = 0.5;
  const CORRECTED = 0.4;
  // A page's score is raised this much when one of its sections holds every word found.
  const TOGETHER = 1.5;
  // Two neighbouring words of the query that a page's title or a heading has side by side
  // (the index's phrase keys, "gradient check") add their phrase's score times this.
  const PHRASED = 1;
  // Words shorter than this are left out of phrases ("gradient of the loss" holds the
  // phrases "gradient the" and "the loss"), as execblog/search/words.py's PHRASE_WORD.
  const PHRASE_WORD = 3;
  const EXCERPT_WORDS = 30;

  // Words as execblog/search/words.py makes them: runs of letters, digits and underscores,
  // lowercase, accents dropped; a run with underscores inside (an identifier) is indexed
  // whole and as its parts; a word of ASCII letters is stemmed by the index's stemmer
  // (stemmer-*.js, Snowball's English stemmer, loaded with the manifest).
  const WORD = /[\p{L}\p{N}_]+/gu;
  const fold = (w) => w.toLowerCase().normalize("NFKD").replace(/\p{Mn}/gu, "");
  let stem = (w) => w;
  const identifierParts = (run) => run.split("_").filter(Boolean);
  const termsOf = (run) => {
    const pieces = identifierParts(run);
    const stemmed = pieces.map((piece) => stem(fold(piece)));
    return pieces.length > 1 ? [pieces.map(fold).join("_"), ...stemmed] : stemmed;
  };
  const split = (text) => text.normalize("NFC").match(WORD) || [];
  const words = (text) => split(text).flatMap(termsOf);

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
  // The stemmer, a script of the index's own, once.
  const stemmers = new Map();
  const loadStemmer = (name) => {
    if (!name) return Promise.resolve();
    const url = new URL(name, base).href;
    if (!stemmers.has(url)) {
      stemmers.set(url, new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = url;
        script.onload = () => { stem = window.siteSearchStem; resolve(); };
        script.onerror = () => { stemmers.delete(url); reject(new Error(`${url}`)); };
        document.head.append(script);
      }));
    }
    return stemmers.get(url);
  };
  // The manifest's address is always the same: one cached from before a new build names
  // chunks that are gone, so a failed query asks the server again (`fresh`).
  let manifest = null;
  const index = (fresh) => (manifest = !fresh && manifest || fetch(
    new URL("manifest.json", base), { cache: fresh ? "reload" : "default" })
    .then((response) => {
      if (!response.ok) throw new Error(`manifest.json: ${response.status}`);
      return response.json();
    })
    .then((loaded) => loadStemmer(loaded.stemmer).then(() => loaded))
    .catch((error) => { manifest = null; throw error; }));

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

  // Edit distance (insertions, deletions, substitutions and swaps of neighbours), or
  // limit + 1 once it is known to pass `limit`.
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    let before = null;
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      const next = [i];
      let least = i;
      for (let j = 1; j <= b.length; j += 1) {
        let cost = Math.min(row[j] + 1, next[j - 1] + 1,
                            row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          cost = Math.min(cost, before[j - 2] + 1);
        }
        next.push(cost);
        least = Math.min(least, cost);
      }
      if (least > limit) return limit + 1;
      [before, row] = [row, next];
    }
    return row[b.length];
  }

  // Endings a stem may have in the word the reader meant ("convolut" + "ion"), so that a
  // typo is measured against words, not stems; on a tie the first (the bare stem last: it
  // may be no word).
  const ENDINGS = ["ion", "ions", "ing", "ic", "ical", "ation", "ative", "ive", "al", "er",
                   "ers", "or", "ors", "ed", "es", "s", "y", "ies", "ity", "ly", "ment",
                   "ness", "ence", "ance", "e", ""];

  // The word closest to `typed` that the stemmer makes `key` of, and its distance.
  function closestForm(typed, key, limit) {
    let best = { form: key, found: limit + 1 };
    for (const ending of ENDINGS) {
      const whole = key + ending;
      const found = distance(typed, whole, limit);
      // (only a word the stemmer makes `key` of: "dial" + "ation" is not a word of "dial")
      if (found < best.found && stem(whole) === key) best = { form: whole, found };
    }
    return best;
  }

  // The index word closest to a word the index lacks, among `known` (index word -> the
  // number of pages holding it): at most one edit from a word of 4 or 5 letters, two from
  // a longer one (none for shorter words), comparing stems and words; the closest, then
  // the one on most pages. With the word to show the reader.
  function correction(typed, stemmed, known) {
    if (typed.length < 4 || /[\d_]/.test(typed)) return null;
    const limit = typed.length <= 5 ? 1 : 2;
    let best = null;
    for (const [key, pages] of known) {
      if (key[0] !== typed[0] && key[1] !== typed[1]) continue;  // one slip in the first two
      const found = Math.min(distance(stemmed, key, limit),
                             closestForm(typed, key, limit).found);
      if (found > limit) continue;
      if (!best || found < best.found || (found === best.found && pages > best.pages)) {
        best = { key, found, pages };
      }
    }
    if (best) {
      const { form, found } = closestForm(typed, best.key, limit);
      best.form = found <= limit ? form
        : stemmed === typed.slice(0, stemmed.length) ? best.key + typed.slice(stemmed.length)
          : best.key;
    }
    return best;
  }

  // Page -> [score, index words matched, parts holding them] for one word of the query:
  // the word itself, for the last word also the longer words it begins, and if neither is
  // in the index (and `exact` is not asked for) the closest word of its chunk. A
  // posting's score is weighed by the word's rarity across the pages (BM25's idf).
  async function postings(manifest, run, last, exact) {
    const { chunks, pages } = manifest;
    const pieces = identifierParts(run);
    const typed = pieces.map(fold).join("_");
    const stemmed = pieces.length > 1 ? typed : stem(typed);
    // The stem and the word typed share this beginning ("entr" of "entries" and "entry").
    let prefix = "";
    while (prefix.length < stemmed.length && stemmed[prefix.length] === typed[prefix.length]) {
      prefix += typed[prefix.length];
    }
    const first = holding(chunks, prefix);
    let end = first + 1;
    while (end < chunks.length && chunks[end][0].startsWith(prefix)) end += 1;
    const prefixed = last && prefix && end - first <= PREFIX_CHUNKS;
    const range = prefixed ? chunks.slice(first, end) : [chunks[holding(chunks, stemmed)]];
    const scores = new Map();
    const found = { typed: run, key: stemmed, scores, corrected: null };
    const add = (key, flat, weight) => {
      const count = flat.length / 3;
      const rarity = Math.log(1 + (pages - count + 0.5) / (count + 0.5));
      for (let i = 0, page = 0; i < flat.length; i += 3) {
        page += flat[i];
        const known = scores.get(page) || scores.set(page, [0, [], new Set()]).get(page);
        known[0] = Math.max(known[0], rarity * weight * flat[i + 1]);
        known[1].push(key);
        for (const part of bits(flat[i + 2])) known[2].add(part);
      }
    };
    const entries = [];
    for (const [, name] of range) {
      entries.push(...Object.entries(await get(new URL(name, base))));
    }
    for (const [key, flat] of entries) {
      if (key === stemmed) add(key, flat, 1);
      else if (prefixed && key.startsWith(prefix) && !key.includes(" ")) {
        add(key, flat, PREFIXED);
      }
    }
    if (!scores.size && pieces.length > 1) {
      // An identifier the index lacks: its parts, as separate words.
      const each = await Promise.all(pieces.map((piece, i) =>
        postings(manifest, piece, last && i === pieces.length - 1, exact)));
      return { ...each.reduce(merge), typed: run };
    }
    if (!scores.size && !exact) {
      // Candidates: the words of the chunk fetched and of the vocabulary of the typed
      // word's first letter (where the chunks are cut, a word and its typo may lie apart).
      const known = new Map(entries.filter(([key]) => !key.includes(" "))
        .map(([key, flat]) => [key, flat.length / 3]));
      const letter = (manifest.vocabulary || {})[typed[0]];
      if (letter) {
        for (const [key, count] of Object.entries(await get(new URL(letter, base)))) {
          if (!known.has(key)) known.set(key, count);
        }
      }
      found.corrected = correction(typed, stemmed, known);
      if (found.corrected) {
        const { key } = found.corrected;
        const own = entries.find(([word]) => word === key);
        const flat = own ? own[1]
          : (await get(new URL(chunks[holding(chunks, key)][1], base)))[key];
        if (flat) add(key, flat, CORRECTED); else found.corrected = null;
      }
    }
    return found;
  }

  // Two words' postings as one (an identifier's parts): pages holding both, scores added.
  function merge(a, b) {
    const scores = new Map();
    for (const [page, [score, keys, held]] of a.scores) {
      const other = b.scores.get(page);
      if (other) {
        scores.set(page, [score + other[0], [...keys, ...other[1]],
                          new Set([...held, ...other[2]])]);
      }
    }
    return { typed: a.typed, scores, corrected: a.corrected || b.corrected };
  }

  // Raise the pages whose title or a heading holds two neighbouring words of the query side
  // by side: the index keeps such pairs as keys of their own ("gradient check"), which sort
  // right after their first word, so their chunk is mostly the one fetched for that word.
  async function phrased(found, pages) {
    const { chunks, pages: count } = found.manifest;
    const words = found.words.map((word) => ({
      key: word.corrected ? word.corrected.key : word.key, held: word.scores.size > 0,
    })).filter(({ key }) => key && key.length >= PHRASE_WORD);
    for (let i = 0; i + 1 < words.length; i += 1) {
      if (!words[i].held || !words[i + 1].held) continue;
      const phrase = `${words[i].key} ${words[i + 1].key}`;
      const flat = (await get(new URL(chunks[holding(chunks, phrase)][1], base)))[phrase];
      if (!flat) continue;
      const held = flat.length / 3;
      const rarity = Math.log(1 + (count - held + 0.5) / (held + 0.5));
      for (let j = 0, page = 0; j < flat.length; j += 3) {
        page += flat[j];
        const result = pages.get(page);
        if (result) result.score += rarity * PHRASED * flat[j + 1];
      }
    }
  }

  // The pages that hold the most words of the query, best first (more words found, then
  // the higher score, raised by TOGETHER when one section holds every word found), each
  // with its index words, the query's words it lacks and, for each word of the query, the
  // parts of the page that hold it.
  async function find(query, exact) {
    const typed = split(query);
    const found = { manifest: await index(false), results: [], words: [] };
    if (!typed.length) return found;
    found.words = await Promise.all(typed.map((run, i) =>
      postings(found.manifest, run, i === typed.length - 1, exact)));
    performance.mark("search-chunks");
    const pages = new Map();
    for (const [w, { scores }] of found.words.entries()) {
      for (const [page, [score, matched, held]] of scores) {
        const result = pages.get(page) || pages.set(page, {
          page, score: 0, count: 0, terms: new Set(), parts: [], missing: new Set(typed),
        }).get(page);
        result.score += score;
        result.count += 1;
        matched.forEach((term) => result.terms.add(term));
        result.parts.push(held);
        result.missing.delete(typed[w]);
      }
    }
    await phrased(found, pages);
    for (const result of pages.values()) {
      const [shared, ...others] = result.parts;
      if (result.count > 1 && [...shared].some((part) => others.every((p) => p.has(part)))) {
        result.score *= TOGETHER;
      }
    }
    found.results = [...pages.values()].sort((a, b) =>
      b.count - a.count || b.score - a.score || a.page - b.page);
    return found;
  }

  // Escaped text with <mark> around the words in `terms`: `size` words from just before
  // the hit with the most hits after it, or from the beginning if there is none.
  function excerpt(text, terms, size) {
    const spans = [...text.matchAll(WORD)];
    const hits = spans.map((span) => (termsOf(span[0]).some((t) => terms.has(t)) ? 1 : 0));
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

  function item(url, title, excerpt, main, missing = []) {
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
    if (missing.length) {
      // The words of the query this page lacks, struck through (as other search engines do).
      const lacking = document.createElement("p");
      lacking.className = "md-search-result__missing";
      lacking.append("Missing: ");
      missing.forEach((word, i) => {
        const struck = document.createElement("s");
        struck.textContent = word;
        lacking.append(...(i ? [" ", struck] : [struck]));
      });
      article.append(lacking);
    }
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
    results.forEach(({ terms, missing }, n) => {
      const { url, title, sections } = pages[n];
      const link = new URL(url, root);
      link.searchParams.set(HIGHLIGHT, [...terms].join(" "));
      // The section with the most hits gives the excerpt; up to two more sections with
      // hits are shown under it, as the theme shows them (the page's intro has no anchor).
      const ranked = sections.map(([anchor, heading, body, at]) => ({
        anchor, heading, body, at,
        hits: words(`${heading} ${body}`).filter((w) => terms.has(w)).length,
      })).sort((a, b) => b.hits - a.hits || a.at - b.at);
      const best = ranked[0] || { body: "" };
      const entry = item(link.href, title, excerpt(best.body, terms, EXCERPT_WORDS), true,
                         [...missing]);
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
    note.replaceChildren();
    note.hidden = true;
  }

  // Under the count: the query as corrected, with a button to search for the words as
  // typed; or the words no page holds.
  function explain(query, found, ticket) {
    const corrected = found.words.filter((word) => word.corrected);
    const absent = found.words.filter((word) => !word.scores.size).map((word) => word.typed);
    if (corrected.length) {
      let shown = query;
      for (const { typed, corrected: { form } } of corrected) {
        shown = shown.replace(typed, form);
      }
      const instead = document.createElement("button");
      instead.type = "button";
      instead.className = "md-search-result__instead";
      instead.textContent = query.trim();
      instead.addEventListener("click", () => {
        const next = ++latest;
        clearTimeout(timer);
        run(query, next, false, true);
      });
      const bold = document.createElement("strong");
      bold.textContent = shown.trim();
      note.append("Showing results for ", bold, ". Search instead for ", instead, ".");
    } else if (absent.length && found.results.length) {
      note.append(`Not found: ${absent.join(", ")}.`);
    }
    note.hidden = !note.childNodes.length;
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
    timer = setTimeout(() => run(query, ticket, false, false), DEBOUNCE_MS);
  }

  // One query: `exact` corrects no word (the reader asked for the words as typed).
  async function run(query, ticket, retried, exact) {
    const start = performance.now();
    try {
      performance.clearMarks("search-chunks");
      const found = await find(query, exact);
      if (ticket !== latest) return;
      clear(count(found.results.length));
      explain(query, found, ticket);
      await show(found, 0, ticket);
      // The time from the query to its results on screen, and from the arrival of its
      // last index chunk (benchmarks/page_weight.py, benchmarks/bench_search.py).
      performance.measure("search", { start });
      if (performance.getEntriesByName("search-chunks").length) {
        performance.measure("search-ranked", "search-chunks");
      }
    } catch (error) {
      if (!retried) {
        index(true).catch(() => {});  // (the second run reports a failure)
        await run(query, ticket, true, exact);
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
  // (The page's words are stemmed as the index stems them: the stemmer is loaded first.)
  const highlight = async () => {
    const wanted = new URLSearchParams(location.search).get(HIGHLIGHT);
    const article = document.querySelector("article.md-content__inner");
    if (!wanted || !article) return;
    try {
      await index(false);
    } catch (error) {
      return;  // no index to stem with: nothing marked
    }
    const terms = new Set(wanted.split(" "));
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest(SKIP)) nodes.push(walker.currentNode);
    }
    for (const node of nodes) {
      const hits = [...node.data.matchAll(WORD)]
        .filter((hit) => termsOf(hit[0]).some((t) => terms.has(t)));
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
