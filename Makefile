# The blog's two everyday commands are `make serve` and `make test`; both bootstrap the
# environment (.venv from requirements.lock, node_modules from package-lock.json) first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export NO_MKDOCS_2_WARNING := 1
# Compiled modules, pytest's rewritten test modules among them, go under .cache/ rather
# than beside the sources: kept from run to run (rewriting a year of posts' test modules
# takes some 20 s a run), out of the tree.
export PYTHONPYCACHEPREFIX := $(CURDIR)/.cache/pycache
unexport PYTHONDONTWRITEBYTECODE

.PHONY: serve test test-all chromium build new clean-notebooks bench weight lighthouse lint lock clean help

help:
	@echo "make serve   preview the site at http://127.0.0.1:8000 with live reload"
	@echo "make test    lint, strict site build, and the tests the changes since they last passed can affect"
	@echo "make test-all  every test: nn, snippets, strict site build, site checks (CI runs this)"
	@echo "make build   strict build into site/"
	@echo "make new TITLE=\"...\" [CATEGORY=... NOTEBOOK=1 SLUG=... DATE=YYYY-MM-DD]  start a new post (see README)"
	@echo "make clean-notebooks  strip saved outputs from notebook posts (the build computes them)"
	@echo "make bench   run the benchmarks in benchmarks/"
	@echo "make weight  bytes each post downloads in headless Chromium, against 600 KB"
	@echo "make lighthouse  Lighthouse on a phone, every kind of page, 3 runs (SITE=dir: a built site)"
	@echo "make lock    re-pin requirements.lock from pyproject.toml"

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

env: $(STAMP) $(NODE_STAMP)

serve: $(STAMP) $(NODE_STAMP)
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000  # incremental: execblog/preview/

build: $(STAMP) $(NODE_STAMP)
	$(BIN)/mkdocs build --strict

# The real blog is built once, into site/, before the tests that read it (tests/build_site.py).
# `make test` runs the tests whose recorded dependencies changed since they last passed (new
# and failed ones too; a check of site/ reruns when a file of it that it read changed);
# `make test-all` runs every test. Both record what each test depends on in
# .cache/test-deps.json (tests/selection.py).
test: chromium $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m tests.build_site .cache/site-build.json
	BLOG_BUILT_SITE=.cache/site-build.json $(BIN)/pytest -n 2 --changed

test-all: chromium $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m tests.build_site .cache/site-build.json
	BLOG_BUILT_SITE=.cache/site-build.json $(BIN)/pytest -n 2 --record-deps

# The browser tests' Chromium: installed from Debian when root, else the command to run.
chromium:
	@scripts/ensure_chromium.sh

# The arguments reach the script through its environment, never through a shell: a title
# may hold `, $, quotes. $(value X) is the text as typed; make would otherwise expand a
# command-line variable ($O, $(shell ...)) when it exports it to the recipe.
new: export override TITLE := $(value TITLE)
new: export override CATEGORY := $(value CATEGORY)
new: export override NOTEBOOK := $(value NOTEBOOK)
new: export override SLUG := $(value SLUG)
new: export override DATE := $(value DATE)
new: $(STAMP)
	$(BIN)/python scripts/new_post.py --from-env

clean-notebooks: $(STAMP)
	$(BIN)/python scripts/clean_notebooks.py

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

weight: $(STAMP) $(NODE_STAMP)
	$(BIN)/python benchmarks/page_weight.py

lighthouse: $(STAMP) $(NODE_STAMP)
	$(BIN)/python benchmarks/bench_lighthouse.py $(SITE)

lint: $(STAMP)
	$(BIN)/ruff check .

# Needs the network: resolves the newest versions allowed by pyproject.toml and pins them.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --group docs --group test --python-version 3.11.7 \
		--generate-hashes --quiet -o requirements.lock

clean:
	rm -rf site .cache .pytest_cache .hypothesis
