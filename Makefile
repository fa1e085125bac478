# Chợ Live — every target bootstraps .venv by itself (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FUZZ_SECONDS ?= 60
export FLASK_APP := wsgi

.PHONY: run test lint bootstrap deps dev-deps translations migrate seed bench bench-quick i18n-extract fuzz clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Chợ Live needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.deps $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

translations: $(VENV)/.deps
	$(BIN)/pybabel -q compile -d app/translations

i18n-extract: $(VENV)/.deps
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -N --no-fuzzy-matching --ignore-obsolete -i app/translations/messages.pot -d app/translations

migrate: $(VENV)/.deps
	$(BIN)/flask db upgrade

seed: migrate
	@mkdir -p instance
	@if [ ! -f instance/.demo-seeded ]; then $(BIN)/flask seed-demo && touch instance/.demo-seeded; fi

bootstrap: deps translations seed

run: bootstrap
	$(BIN)/flask serve --port $(PORT)

test: dev-deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (pyflakes, isort, pyupgrade, bugbear, simplify) and mypy (strict on app/core and every services module) on
# app/, as configured in pyproject.toml; CI runs it before the tests.
lint: dev-deps
	$(BIN)/ruff check app tests bench deploy
	$(BIN)/mypy

bench: dev-deps translations
	$(BIN)/python -m bench.run

bench-quick: dev-deps translations
	$(BIN)/python -m bench.run --quick

# Page weight and throttled load times of the home, product, lesson and live pages (docs/benchmarks.md).
.PHONY: bench-pages
bench-pages: dev-deps translations
	$(BIN)/python -m bench.page_weight

# Live video for development: nginx + RTMP module in the foreground (Ctrl-C stops it); run `make run` beside it.
# Publish to rtmp://127.0.0.1:1935/ingest with the stream key from the live's "Stream key" page.
NGINX ?= /usr/sbin/nginx
.PHONY: video
video:
	@[ -x $(NGINX) ] || { echo "make video needs: apt-get install nginx libnginx-mod-rtmp ffmpeg"; exit 1; }
	@$(PYTHON) deploy/nginx/render.py --prefix instance/nginx --video-dir instance/video \
		--app-url http://127.0.0.1:$(PORT) >/dev/null
	@echo "RTMP ingest: rtmp://127.0.0.1:$${VIDEO_RTMP_PORT:-1935}/ingest  HLS: http://127.0.0.1:$${VIDEO_HTTP_PORT:-8088}/live/video/hls/"
	$(NGINX) -c $(CURDIR)/instance/nginx/nginx.conf -p $(CURDIR)/instance/nginx -e $(CURDIR)/instance/nginx/error.log -g 'daemon off;'

# Production shape on loopback: nginx → two gunicorn processes sharing PostgreSQL (database cholive_cluster on
# $CLUSTER_DATABASE_URL, default the local server), Redis and moto's S3, demo seeded. Pids in instance/cluster/.
.PHONY: cluster cluster-stop
cluster: dev-deps translations
	$(BIN)/python deploy/cluster.py start

cluster-stop:
	$(PYTHON) deploy/cluster.py stop

# Pico CSS as the pages use it: a sass build of @picocss/pico with only the modules used, then PurgeCSS; the
# output app/static/css/pico.css is committed (nothing is built at `make run`). Needs node and npm.
CSS_TOOLS := instance/css-tools
.PHONY: css
css:
	@command -v npm >/dev/null || { echo "make css needs node and npm (apt-get install npm)"; exit 1; }
	npm install --silent --no-audit --no-fund --no-save --prefix $(CSS_TOOLS) sass@1.97.1 purgecss@8.0.0 @picocss/pico@2.1.1
	$(CSS_TOOLS)/node_modules/.bin/sass --no-source-map --style=compressed --load-path=$(CSS_TOOLS)/node_modules \
		tools/css/pico-cholive.scss instance/pico-built.css
	PICO_BUILT=instance/pico-built.css $(CSS_TOOLS)/node_modules/.bin/purgecss --config tools/css/purgecss.config.cjs \
		--output $(CSS_TOOLS)/out/
	cp $(CSS_TOOLS)/out/pico-built.css app/static/css/pico.css
	@wc -c app/static/css/pico.css

fuzz: dev-deps
	$(BIN)/python -m fuzz.parser_fuzz -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
