// The header's search box asks Pagefind, whose index the build writes to pagefind/ (see
// hooks/search.py). Nothing is downloaded until the reader starts a search; then a query
// fetches only the index chunks of its words. Keys: "/", "s" or "f" open the search,
// arrows move through the results, Enter follows one, Escape closes.
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
  const HIGHLIGHT = "highlight";
  // Each result shown fetches its page's fragment (a few KB): five at a time.
  const SHOWN = 5;
  const DEBOUNCE_MS = 200;

  let engine = null;
  const pagefind = () => (engine ??= import(new URL("pagefind/pagefind.js", root).href)
    .then(async (module) => {
      // No worker: one script less to download; a query takes a few milliseconds anyway.
      await module.options({ baseUrl: root.pathname, highlightParam: HIGHLIGHT,
                             noWorker: true });
      await module.init();
      return module;
    }));

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
    text.innerHTML = excerpt;  // Pagefind's excerpt: escaped text with <mark> around hits
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

  // Results shown .. shown + SHOWN of a search, unless a newer search has started.
  async function show(found, shown, ticket) {
    const page = found.results.slice(shown, shown + SHOWN);
    const results = await Promise.all(page.map((result) => result.data()));
    if (ticket !== latest) return;
    for (const result of results) {
      const entry = item(result.url, result.meta.title || result.url, result.excerpt, true);
      // Up to two sections of the page (not its title again), as the theme shows them.
      const title = result.meta.title;
      for (const section of (result.sub_results || []).filter((s) => s.title !== title)
        .slice(0, 2)) {
        entry.append(item(section.url, section.title, section.excerpt, false).firstChild);
      }
      list.append(entry);
    }
    if (found.results.length > shown + SHOWN) list.append(more(found, shown + SHOWN));
  }

  function clear(message) {
    list.replaceChildren();
    meta.textContent = message;
  }

  let latest = 0;
  async function search(query) {
    const ticket = ++latest;
    if (!query.trim()) {
      clear("Type to start searching");
      return;
    }
    try {
      // Debounced: while the reader types, only the query they pause on is run (each run
      // fetches the index chunk of its word and the fragments of its results).
      const found = await (await pagefind()).debouncedSearch(query, {}, DEBOUNCE_MS);
      if (found === null || ticket !== latest) return;
      clear(count(found.results.length));
      await show(found, 0, ticket);
    } catch (error) {
      if (ticket === latest) meta.textContent = "Search is not available: run `make build`.";
      console.warn("search:", error);
    }
  }

  function open() {
    toggle.checked = true;
    input.focus();
    pagefind();  // start loading while the reader types
  }

  function close() {
    toggle.checked = false;
    input.blur();
  }

  input.addEventListener("focus", () => { toggle.checked = true; pagefind(); });
  input.addEventListener("input", () => search(input.value));
  dialog.querySelector("form").addEventListener("submit", (event) => event.preventDefault());
  dialog.querySelector("form").addEventListener("reset", () => {
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

  // On the page a result leads to, mark the searched words (after instant navigation too).
  const highlight = () => {
    if (!new URLSearchParams(location.search).has(HIGHLIGHT)) return;
    import(new URL("pagefind/pagefind-highlight.js", root).href)
      .then(() => new window.PagefindHighlight({ highlightParam: HIGHLIGHT }))
      .catch((error) => console.warn("search highlight:", error));
  };
  if (window.document$) window.document$.subscribe(highlight);
  else highlight();
})();
