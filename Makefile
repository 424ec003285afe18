# Two commands do everything:  `make book`  and  `make test`  (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

# The book never needs the network at run time. The same variables are defined once for the
# Python tools in tools/env.py (autograde, tests/conftest.py, benchmarks): keep the two in step.
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export HF_DATASETS_OFFLINE = 1
export PYTHONHASHSEED = 0
export TOKENIZERS_PARALLELISM = false
export PYDEVD_DISABLE_FILE_VALIDATION = 1

NOTEBOOKS = $(shell $(PYTHON) tools/toc_notebooks.py)
NBVAL     = --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=1800
# lib's docstring examples run as tests too (numpy-style Examples on tiny arrays)
DOCTESTS  = --doctest-modules lib

.PHONY: help setup book execute warm html pdf test test-lib test-notebooks kernel workbook lab bench report assignments grade explorer clean clean-cache

## make help: list these targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## //'

## make setup: create .venv with the pinned packages and lib installed (editable)
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## make book: set up, execute every notebook (storing its outputs), build the HTML into _build/html
book: setup execute html

## make execute: run every notebook of the table of contents in place, storing fresh outputs, one chapter per core at once after the chapters it reads from (JOBS=1: one at a time, in book order; BOOK_ENCODER=<model>: Parts III, V, VI on that model, into runs/<model>/)
execute: setup
	$(BIN)/python tools/execute.py $(if $(JOBS),--jobs $(JOBS)) $(NOTEBOOKS)

## make warm: fill the cache once (every chapter, scheduled as make execute is, nothing saved, with a progress bar), so any chapter then opens warm in JupyterLab
warm: setup
	$(BIN)/python tools/execute.py $(if $(JOBS),--jobs $(JOBS)) --warm $(NOTEBOOKS)

## make html: build the HTML book from the stored outputs (no execution)
html: setup
	$(BIN)/jupyter-book build . --warningiserror --keep-going

## make pdf: the whole book as one PDF from the stored outputs (xelatex; Debian: texlive-xetex latexmk fonts-freefont-otf) -> _build/latex/embeddings-book.pdf
pdf: setup
	$(BIN)/jupyter-book build . --builder pdflatex

## make test: pytest over lib (unit tests in tests/, lib's doctests), then nbval over every chapter notebook
## The unit tests run in one pytest-xdist worker per core (208 s instead of about 320 s on 2 cores);
## the chapters run in one process, in book order, as a reader's kernel would (each reuses earlier caches).
XDIST = -n auto
test: setup
	$(BIN)/python -m pytest tests $(DOCTESTS) $(XDIST)
	$(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL)

## make test-lib: only the unit tests, the property-based suite and lib's doctests (no notebooks)
test-lib: setup
	$(BIN)/python -m pytest tests $(DOCTESTS) $(XDIST)

## make test-notebooks: only nbval over the chapter notebooks
test-notebooks: setup
	$(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL)

## make kernel: register this environment as the Jupyter kernel "embeddings-book"
kernel: setup
	$(BIN)/python -m ipykernel install --user --name embeddings-book --display-name "Python (embeddings-book)"

## make workbook: the learner's copies of every chapter (answers stubbed, checks kept) -> workbook/ (git-ignored; edited copies are kept)
workbook: setup
	$(BIN)/python tools/workbook.py

## make lab: open the workbook in JupyterLab with this environment (JupyterLab comes with the lock)
lab: kernel workbook
	$(BIN)/jupyter-lab workbook

## make assignments: student notebooks (solutions stubbed, hidden tests and outputs removed, nbgrader metadata) -> assignments/
assignments: setup
	$(BIN)/python tools/assignments.py $(NOTEBOOKS)

## make grade: autograde the notebooks under $(SUBMISSIONS), each in a bubblewrap sandbox, running only the cells each exercise needs (WHOLE=1: the whole chapter) -> assignments/autograded/ (grades.csv, feedback/); UNSANDBOXED=1 only for code you trust
SUBMISSIONS ?= assignments/submitted
grade: assignments
	$(BIN)/python tools/autograde.py $(SUBMISSIONS) --jobs 2 $(if $(UNSANDBOXED),--unsandboxed) $(if $(WHOLE),--whole-chapter)

## make bench: every chapter cold (an empty cache of its own, book order, cache log kept) then warm, filed in benchmarks/chapter_times.json and cache_deps.json, then the whole book warm as make warm schedules it (benchmarks/execute_times.json) (the cost page, README and chapters' first cells follow); encoder and exact-search ratios -> benchmarks/
BENCH_CACHE = $(CURDIR)/_build/bench-cache
bench: setup
	rm -rf $(BENCH_CACHE) _build/cache_log.jsonl
	EMBEDDINGS_BOOK_CACHE=$(BENCH_CACHE) EMBEDDINGS_BOOK_CACHE_LOG=$(CURDIR)/_build/cache_log.jsonl \
	  $(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL) -q -p no:cacheprovider
	$(BIN)/python tools/cache_deps.py _build/cache_log.jsonl --out _build/cache_deps.json --source "make bench, $$(date -u +%F), commit $$(git rev-parse --short HEAD)"
	$(BIN)/python tools/cost_page.py --add _build/notebook_times.json --deps _build/cache_deps.json --source "make bench (cold), commit $$(git rev-parse --short HEAD)"
	EMBEDDINGS_BOOK_CACHE=$(BENCH_CACHE) $(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL) -q -p no:cacheprovider
	$(BIN)/python tools/cost_page.py --add _build/notebook_times.json --source "make bench (warm), commit $$(git rev-parse --short HEAD)"
	EMBEDDINGS_BOOK_CACHE=$(BENCH_CACHE) $(BIN)/python tools/execute.py --warm $(NOTEBOOKS)
	$(BIN)/python tools/cost_page.py --add-execute _build/execute_times.json --source "make bench (make warm's scheduler, cache full), commit $$(git rev-parse --short HEAD)"
	$(BIN)/python tools/course_kit.py
	$(BIN)/python benchmarks/run.py --out benchmarks/encoder.md
	$(BIN)/python benchmarks/run.py --length-cost
	$(BIN)/python benchmarks/topk_vs_faiss.py

## make report MODEL=<path or name>: the embedding report card of a model (SIZE=standard|full|tiny, REFERENCES=MiniLM,GloVe,...) -> reports/<label>/index.html
MODEL      ?= all-MiniLM-L6-v2
SIZE       ?= standard
REFERENCES ?= MiniLM,mpnet,static MiniLM,GloVe
report: setup
	$(BIN)/python tools/report.py "$(MODEL)" --size $(SIZE) --references "$(REFERENCES)"

## make explorer: rebuild the embedding explorer's data (_ext/static/explorer/: GloVe, static MiniLM, MiniLM and mpnet passages; mpnet's encoding of the passages took 17 minutes on 2 shared cores the first time)
explorer: setup
	$(BIN)/python tools/build_explorer.py

## make clean: remove the built HTML (_build)
clean:
	rm -rf _build

## make clean-cache: remove the cache of expensive results (.cache; minutes to rebuild)
clean-cache:
	rm -rf .cache
