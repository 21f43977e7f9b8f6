# Front door. `make book` and `make test` each set up .venv themselves (idempotently)
# from requirements.txt + constraints.txt, so a fresh clone needs only python3.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK_FLAGS := --warningiserror --keep-going

.PHONY: install book test lint unit explore notebooks browser timing robustness outputs clean \
        instructor student-notebooks slides handouts site-checks

install: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

## Build the static site into _build/html (notebooks executed, cached in _build/.jupyter_cache).
# Sphinx copies _static/ only when some page is rewritten: if a stylesheet, template or
# extension changed since the last build, drop the HTML (not the notebook cache) first.
book: $(STAMP)
	@if [ -f _build/html/index.html ] && \
	    [ -n "$$(find _static _templates _ext -newer _build/html/index.html | head -n 1)" ]; then \
	  echo "site assets changed: rewriting every page"; rm -rf _build/html; fi
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)

## The instructor edition (solutions shown, teaching notes) into _build/instructor/_build/html.
# Same sources and execution cache as `make book` (run that first: nothing re-executes).
instructor: $(STAMP)
	COURSE_EDITION=instructor $(BIN)/jupyter-book build . --path-output _build/instructor $(BOOK_FLAGS)

## One student notebook per chapter (no solutions, plain Markdown for Colab), generated
## into student/, which is committed: the student site's Binder and Colab buttons open it.
## Run it after changing a chapter; `make unit` fails while student/ is out of date.
student-notebooks: $(STAMP)
	$(BIN)/python tools/student_notebooks.py

## One reveal.js deck per chapter into _build/html/slides/ (the book build writes them too;
# this reruns only that step, from the execution cache: nothing is executed).
slides: $(STAMP)
	$(BIN)/python tools/slides.py --site _build/html

## One PDF handout per chapter (headless Chromium, offline) into _build/handouts/.
handouts: $(STAMP)
	$(BIN)/python tools/handouts.py --site _build/html --out _build/handouts

## Everything: lint, unit tests (+coverage), the book, then two jobs side by side (the
## notebooks run on one core each): every notebook under nbval, and the built sites'
## checks (instructor edition, student notebooks, browser suite). Each job's output is
## printed when it ends.
test: lint unit book
	$(MAKE) --no-print-directory -j2 --output-sync=recurse notebooks site-checks

site-checks: instructor student-notebooks
	$(MAKE) --no-print-directory browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Unit tests, hypothesis derandomized (tests/conftest.py), plus every `>>>` example in
## dlcore's docstrings (a module without examples collects nothing).
unit: $(STAMP)
	$(BIN)/python -m pytest tests src/dlcore --doctest-modules -m "not browser" \
	  --cov --cov-report=term --cov-fail-under=90

## Random hypothesis exploration (not part of `make test`): new examples on every run;
## pass a seed to replay one, e.g. `make explore SEED=7`.
explore: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser and not tf" -p no:cacheprovider \
	  --hypothesis-profile=explore $(if $(SEED),--hypothesis-seed=$(SEED))

notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider chapters

browser: $(STAMP)
	$(BIN)/python -m pytest tests -m browser -p no:cacheprovider

## Seconds per notebook on this machine (executes each one from scratch).
timing: $(STAMP)
	$(BIN)/python .ci/time_notebooks.py chapters

## Every chapter again at twice the budget with two new seed offsets; checks each
## experiment.conclusion, skips pinned numbers (dlcore/experiment.py).
robustness: $(STAMP)
	$(BIN)/python .ci/robustness.py

## Re-execute notebooks and store them per the output policy (CONTRIBUTING.md).
outputs: $(STAMP)
	$(BIN)/python tests/notebook_policy.py --refresh chapters

clean:
	rm -rf _build
